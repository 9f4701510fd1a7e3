/* gst-e2ee: the policy settings table, shared by the policy and its resolved form
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "gste2eepolicy.h"

G_BEGIN_DECLS

/* The number of settings in gste2eepolicysettings.c (a static assertion there keeps it true). */
#define POLICY_N_SETTINGS 11

/* The key of a section that lists the settings it locks. */
#define POLICY_LOCKED_KEY "locked"
/* The key of a group section that lists its users. */
#define POLICY_MEMBERS_KEY "members"

typedef gboolean (*PolicyParseFunc) (const gchar * text, GValue * value, gchar ** why);

typedef struct
{
  const gchar *name;
  /* In the file's own syntax, parsed by the same function as the file. */
  const gchar *default_text;
  PolicyParseFunc parse;
} PolicySetting;

G_GNUC_INTERNAL const PolicySetting *policy_setting (guint index);
G_GNUC_INTERNAL gint policy_setting_index (const gchar * name);

struct _GstE2eeResolvedPolicy
{
  gint refcount;
  GstStructure *settings;
  GstE2eePolicyLevel levels[POLICY_N_SETTINGS];
  gboolean locked[POLICY_N_SETTINGS];
  /* "locked at LEVEL level by [SECTION] (FILE:LINE)" for a locked setting, else NULL */
  gchar *lock_where[POLICY_N_SETTINGS];
  GStrv warnings;
};

G_GNUC_INTERNAL GstE2eeResolvedPolicy *resolved_policy_new (void);

G_END_DECLS
