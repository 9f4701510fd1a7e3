/* gst-e2ee benchmark: MLS commits in groups of 2 to 1,000 members, ours against ts-mls
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * For each group size: the time to create a commit that adds one member and one that
 * removes one, and to process each as another member; the sizes of the Welcome and the
 * commits. ts-mls (tests/interop/mls, in node) does the same operations in the same
 * run, and the ratio is printed. docs/performance.md, "MLS", says how to read it.
 *
 *   build/benchmarks/gst-e2ee-bench-mls [--sizes=2,16,200,1000] [--iterations=N]
 *                                       [--no-tsmls]
 *
 * How a group of n is built (once per size, not timed as an operation): the creator
 * adds the n - 1 others in one commit (proposals, then a commit), and the "observer"
 * (leaf 1) joins from the Welcome with the tree given separately. The tree then has the
 * creator's path and n - 1 leaves, every one of which is in the resolution of the
 * creator's copath: the costly shape for a committer (an HPKE encryption per member),
 * the same on both sides. Each iteration adds one new member and removes it again
 * (creator commits, observer processes), so the group stays at n and n + 1 members.
 * Times are medians over the iterations, in CPU time: this thread's for ours, the node
 * process's (user + system, all threads) for ts-mls; wall-clock medians are printed
 * beside them. Welcomes are measured without the ratchet_tree extension (ts-mls's
 * default; the tree goes separately), and once with it.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "bench.h"
#include "tsmls-peer.h"

#include <gst/e2ee/gste2eemlsclient.h>
#include <gst/e2ee/gste2eemlsgroup.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>

typedef enum
{
  OP_ADD_COMMIT,
  OP_ADD_PROCESS,
  OP_REMOVE_COMMIT,
  OP_REMOVE_PROCESS,
  N_OPS
} Op;

static const gchar *const op_names[N_OPS] = {
  "commit adding one member", "process that commit",
  "commit removing one member", "process that commit",
};

static const gchar *const op_keys[N_OPS] = {
  "add_commit", "add_process", "remove_commit", "remove_process",
};

typedef struct
{
  guint n;
  gdouble build_ms;
  gdouble cpu_ms[N_OPS], wall_ms[N_OPS];
  gsize welcome_bytes, welcome_ext_bytes, add_commit_bytes, remove_commit_bytes;
} Result;

static GstE2eeMlsClient *
client_new (const gchar * name)
{
  GBytes *id = g_bytes_new (name, strlen (name));
  GstE2eeMlsClient *c = gst_e2ee_mls_client_new (id, NULL);

  BENCH_CHECK (c != NULL);
  g_bytes_unref (id);
  return c;
}

static GBytes *
key_package (GstE2eeMlsClient * c)
{
  GError *err = NULL;
  GBytes *kp = gst_e2ee_mls_client_create_key_package (c, &err);

  if (kp == NULL)
    g_error ("create_key_package: %s", err->message);
  return kp;
}

static guint32
leaf_of (GstE2eeMlsGroup * g, const gchar * identity)
{
  GPtrArray *members = gst_e2ee_mls_group_get_members (g);
  guint32 leaf = G_MAXUINT32;
  guint i;

  for (i = 0; i < members->len; i++) {
    GBytes *id = gst_e2ee_mls_member_get_identity (g_ptr_array_index (members, i));
    gsize len;
    const gchar *d = g_bytes_get_data (id, &len);

    if (len == strlen (identity) && memcmp (d, identity, len) == 0)
      leaf = gst_e2ee_mls_member_get_leaf_index (g_ptr_array_index (members, i));
    g_bytes_unref (id);
  }
  g_ptr_array_unref (members);
  BENCH_CHECK (leaf != G_MAXUINT32);
  return leaf;
}

static gboolean
same_epoch (GstE2eeMlsGroup * a, GstE2eeMlsGroup * b)
{
  GBytes *x = gst_e2ee_mls_group_get_epoch_authenticator (a);
  GBytes *y = gst_e2ee_mls_group_get_epoch_authenticator (b);
  gboolean same = g_bytes_equal (x, y);

  g_bytes_unref (x);
  g_bytes_unref (y);
  return same;
}

static void
measure_ours (guint n, guint iterations, Result * res)
{
  guint64 b0 = bench_now_ns ();
  GstE2eeMlsClient *creator_c = client_new ("creator"), *observer_c = client_new ("observer");
  GBytes *id = g_bytes_new_static ("bench", 5);
  GError *err = NULL;
  GstE2eeMlsGroup *creator = gst_e2ee_mls_group_create (creator_c, id, &err), *observer;
  GBytes *commit, *welcome = NULL, *tree, *kp;
  gdouble cpu[N_OPS][64], wall[N_OPS][64];
  guint i, it;

  BENCH_CHECK (creator != NULL);
  gst_e2ee_mls_group_set_ratchet_tree_extension (creator, FALSE);
  /* n - 1 members in one commit: the observer first (leaf 1), then the others. */
  for (i = 1; i < n; i++) {
    GstE2eeMlsClient *c = i == 1 ? g_object_ref (observer_c) : NULL;
    GBytes *proposal;

    if (c == NULL) {
      gchar *name = g_strdup_printf ("member-%u", i);

      c = client_new (name);
      g_free (name);
    }
    kp = key_package (c);
    proposal = gst_e2ee_mls_group_propose_add (creator, kp, &err);
    if (proposal == NULL)
      g_error ("propose_add: %s", err->message);
    g_bytes_unref (proposal);
    g_bytes_unref (kp);
    g_object_unref (c);
  }
  commit = gst_e2ee_mls_group_commit (creator, &welcome, &err);
  if (commit == NULL)
    g_error ("commit: %s", err->message);
  tree = gst_e2ee_mls_group_get_ratchet_tree (creator);
  observer = gst_e2ee_mls_group_join (observer_c, welcome, tree, &err);
  if (observer == NULL)
    g_error ("join: %s", err->message);
  g_bytes_unref (commit);
  g_bytes_unref (welcome);
  g_bytes_unref (tree);
  res->build_ms = (bench_now_ns () - b0) / 1e6;

  for (it = 0; it < iterations; it++) {
    gchar *name = g_strdup_printf ("joiner-%u", it);
    GstE2eeMlsClient *joiner = client_new (name);
    guint64 c0, w0;
    guint32 leaf;

    kp = key_package (joiner);
#define TIMED(op, expr) G_STMT_START {                                    \
      c0 = bench_cpu_ns (); w0 = bench_now_ns ();                         \
      expr;                                                               \
      cpu[op][it] = (bench_cpu_ns () - c0) / 1e6;                         \
      wall[op][it] = (bench_now_ns () - w0) / 1e6;                        \
    } G_STMT_END
    TIMED (OP_ADD_COMMIT, commit = gst_e2ee_mls_group_add (creator, kp, &welcome, &err));
    if (commit == NULL)
      g_error ("add: %s", err->message);
    res->welcome_bytes = g_bytes_get_size (welcome);
    res->add_commit_bytes = g_bytes_get_size (commit);
    TIMED (OP_ADD_PROCESS, BENCH_CHECK (gst_e2ee_mls_group_handle (observer, commit, NULL,
                &err) == GST_E2EE_MLS_MESSAGE_KIND_COMMIT));
    g_bytes_unref (commit);
    g_bytes_unref (welcome);
    leaf = leaf_of (creator, name);
    TIMED (OP_REMOVE_COMMIT, commit = gst_e2ee_mls_group_remove (creator, leaf, &err));
    if (commit == NULL)
      g_error ("remove: %s", err->message);
    res->remove_commit_bytes = g_bytes_get_size (commit);
    TIMED (OP_REMOVE_PROCESS, BENCH_CHECK (gst_e2ee_mls_group_handle (observer, commit,
                NULL, &err) == GST_E2EE_MLS_MESSAGE_KIND_COMMIT));
#undef TIMED
    g_bytes_unref (commit);
    g_bytes_unref (kp);
    g_object_unref (joiner);
    g_free (name);
    BENCH_CHECK (same_epoch (creator, observer));
  }
  for (i = 0; i < N_OPS; i++) {
    res->cpu_ms[i] = bench_median (cpu[i], iterations);
    res->wall_ms[i] = bench_median (wall[i], iterations);
  }

  /* One more add, untimed, with the ratchet_tree extension in its Welcome. */
  {
    GstE2eeMlsClient *joiner = client_new ("joiner-ext");

    kp = key_package (joiner);
    gst_e2ee_mls_group_set_ratchet_tree_extension (creator, TRUE);
    commit = gst_e2ee_mls_group_add (creator, kp, &welcome, &err);
    BENCH_CHECK (commit != NULL);
    res->welcome_ext_bytes = g_bytes_get_size (welcome);
    g_bytes_unref (commit);
    g_bytes_unref (welcome);
    g_bytes_unref (kp);
    g_object_unref (joiner);
  }

  g_object_unref (observer);
  g_object_unref (creator);
  g_object_unref (observer_c);
  g_object_unref (creator_c);
  g_bytes_unref (id);
}

static gboolean
measure_tsmls (TsmlsPeer * peer, guint n, guint iterations, Result * res)
{
  JsonBuilder *b = tsmls_request ("bench", NULL);
  GError *err = NULL;
  JsonObject *a;
  guint i;

  json_builder_set_member_name (b, "n");
  json_builder_add_int_value (b, n);
  json_builder_set_member_name (b, "iterations");
  json_builder_add_int_value (b, iterations);
  a = tsmls_peer_call (peer, b, 3600, &err);
  if (a == NULL) {
    g_printerr ("ts-mls, %u members: %s\n", n, err->message);
    g_clear_error (&err);
    return FALSE;
  }
  res->build_ms = json_object_get_double_member (a, "build_ms");
  for (i = 0; i < N_OPS; i++) {
    gchar *wall = g_strdup_printf ("%s_wall_ms", op_keys[i]);
    gchar *cpu = g_strdup_printf ("%s_ms", op_keys[i]);

    res->cpu_ms[i] = json_object_get_double_member (a, cpu);
    res->wall_ms[i] = json_object_get_double_member (a, wall);
    g_free (wall);
    g_free (cpu);
  }
  res->welcome_bytes = json_object_get_int_member (a, "welcome_bytes");
  res->welcome_ext_bytes = json_object_get_int_member (a, "welcome_ext_bytes");
  res->add_commit_bytes = json_object_get_int_member (a, "add_commit_bytes");
  res->remove_commit_bytes = json_object_get_int_member (a, "remove_commit_bytes");
  json_object_unref (a);
  return TRUE;
}

/* The CPU and the flags of /proc/cpuinfo that the figures depend on. */
static void
print_machine (TsmlsPeer * peer)
{
  static const gchar *const wanted[] = { "aes", "vaes", "pclmulqdq", "vpclmulqdq",
    "avx2", "avx512f", "sha_ni", "bmi2", "adx", NULL
  };
  gchar *cpuinfo = NULL, *model = NULL, *load = NULL;
  GString *flags = g_string_new (NULL);
  struct utsname u;

  if (g_file_get_contents ("/proc/cpuinfo", &cpuinfo, NULL, NULL)) {
    gchar *p = strstr (cpuinfo, "model name"), *f = strstr (cpuinfo, "\nflags");

    if (p && (p = strchr (p, ':'))) {
      gchar *end = strchr (p, '\n');

      model = g_strstrip (g_strndup (p + 1, end ? (gsize) (end - p - 1) : strlen (p + 1)));
    }
    if (f && (f = strchr (f, ':'))) {
      gchar *end = strchr (f, '\n');
      gchar *line = g_strndup (f + 1, end ? (gsize) (end - f - 1) : strlen (f + 1));
      gchar **all = g_strsplit (g_strstrip (line), " ", -1);
      guint i;

      for (i = 0; wanted[i]; i++)
        g_string_append_printf (flags, "%s%s%s", flags->len ? " " : "",
            g_strv_contains ((const gchar * const *) all, wanted[i]) ? "" : "no ",
            wanted[i]);
      g_strfreev (all);
      g_free (line);
    }
  }
  uname (&u);
  printf ("machine:   %s, %u CPUs, %s %s\n", model ? model : "unknown CPU",
      g_get_num_processors (), u.sysname, u.release);
  printf ("cpu flags: %s\n", flags->len ? flags->str : "unknown");
  printf ("software:  %s; ", OpenSSL_version (OPENSSL_VERSION));
  if (peer != NULL) {
    JsonObject *a = tsmls_peer_call (peer, tsmls_request ("hello", NULL), 60, NULL);

    if (a != NULL) {
      printf ("ts-mls %s on node %s", json_object_get_string_member (a, "ts_mls"),
          json_object_get_string_member (a, "node"));
      json_object_unref (a);
    }
  } else {
    printf ("ts-mls not run");
  }
  printf ("\n");
  if (g_file_get_contents ("/proc/loadavg", &load, NULL, NULL))
    printf ("load:      %s", load);
  g_free (load);
  g_free (model);
  g_free (cpuinfo);
  g_string_free (flags, TRUE);
}

static void
print_results (const Result * ours, const Result * ts, gboolean have_ts)
{
  guint i;

  printf ("\n%u members (group built in %.0f ms%s%.0f ms by ts-mls)\n", ours->n,
      ours->build_ms, have_ts ? ", " : "", have_ts ? ts->build_ms : 0.0);
  printf ("  %-28s %12s %12s %8s   %s\n", "operation (median, ms)", "gst-e2ee", "ts-mls",
      "ratio", "wall ms: gst-e2ee / ts-mls");
  for (i = 0; i < N_OPS; i++) {
    if (have_ts)
      printf ("  %-28s %12.3f %12.3f %7.1fx   %.3f / %.3f\n", op_names[i], ours->cpu_ms[i],
          ts->cpu_ms[i], ts->cpu_ms[i] / ours->cpu_ms[i], ours->wall_ms[i],
          ts->wall_ms[i]);
    else
      printf ("  %-28s %12.3f %12s %8s   %.3f\n", op_names[i], ours->cpu_ms[i], "-", "-",
          ours->wall_ms[i]);
  }
  printf ("  %-28s %12" G_GSIZE_FORMAT " %12" G_GSIZE_FORMAT "\n", "Welcome bytes (no tree)",
      ours->welcome_bytes, have_ts ? ts->welcome_bytes : 0);
  printf ("  %-28s %12" G_GSIZE_FORMAT " %12" G_GSIZE_FORMAT "\n", "Welcome bytes (with tree)",
      ours->welcome_ext_bytes, have_ts ? ts->welcome_ext_bytes : 0);
  printf ("  %-28s %12" G_GSIZE_FORMAT " %12" G_GSIZE_FORMAT "\n", "add commit bytes",
      ours->add_commit_bytes, have_ts ? ts->add_commit_bytes : 0);
  printf ("  %-28s %12" G_GSIZE_FORMAT " %12" G_GSIZE_FORMAT "\n", "remove commit bytes",
      ours->remove_commit_bytes, have_ts ? ts->remove_commit_bytes : 0);
  fflush (stdout);
}

int
main (int argc, char **argv)
{
  gchar *sizes_arg = NULL;
  gint iterations = 5;
  gboolean no_tsmls = FALSE;
  GOptionEntry entries[] = {
    {"sizes", 0, 0, G_OPTION_ARG_STRING, &sizes_arg,
        "group sizes (default 2,16,200,1000)", "N,N,..."},
    {"iterations", 0, 0, G_OPTION_ARG_INT, &iterations,
        "add/remove rounds per size (median; default 5)", "N"},
    {"no-tsmls", 0, 0, G_OPTION_ARG_NONE, &no_tsmls, "measure gst-e2ee only", NULL},
    {NULL}
  };
  GOptionContext *ctx = g_option_context_new ("- MLS commits, gst-e2ee and ts-mls");
  GError *err = NULL;
  gchar **sizes;
  TsmlsPeer *peer = NULL;
  gchar *why = NULL;
  guint i;
  gboolean ok = TRUE;

  g_option_context_add_main_entries (ctx, entries, NULL);
  ok = g_option_context_parse (ctx, &argc, &argv, &err);
  g_option_context_free (ctx);
  if (!ok) {
    g_printerr ("%s\n", err->message);
    return 2;
  }
  if (iterations < 1 || iterations > 64) {
    g_printerr ("--iterations: 1 to 64\n");
    return 2;
  }
  if (!no_tsmls) {
    if (!tsmls_peer_available (&why)) {
      g_printerr ("ts-mls: %s; measuring gst-e2ee only\n", why);
      g_free (why);
    } else if ((peer = tsmls_peer_start (&err)) == NULL) {
      g_printerr ("ts-mls: %s; measuring gst-e2ee only\n", err->message);
      g_clear_error (&err);
    }
  }
  print_machine (peer);
  printf ("method:    medians of %d add/remove rounds per size, CPU time (ours: this "
      "thread; ts-mls: the node process); ratio = ts-mls / gst-e2ee\n", iterations);

  sizes = g_strsplit (sizes_arg ? sizes_arg : "2,16,200,1000", ",", -1);
  for (i = 0; sizes[i]; i++) {
    guint n = (guint) g_ascii_strtoull (sizes[i], NULL, 10);
    Result ours = { 0 }, ts = { 0 };
    gboolean have_ts = FALSE;

    if (n < 2) {
      g_printerr ("a group has at least 2 members: %s\n", sizes[i]);
      ok = FALSE;
      continue;
    }
    ours.n = ts.n = n;
    measure_ours (n, (guint) iterations, &ours);
    if (peer != NULL) {
      have_ts = measure_tsmls (peer, n, (guint) iterations, &ts);
      ok = ok && have_ts;
    }
    print_results (&ours, &ts, have_ts);
  }
  g_strfreev (sizes);
  g_free (sizes_arg);
  if (peer != NULL)
    tsmls_peer_stop (peer, 10);
  return ok ? 0 : 1;
}
