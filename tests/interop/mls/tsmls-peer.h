/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * ts-mls members in a Node child process (tsmls-peer.mjs beside this file), driven
 * from C: the MLS interop test and the MLS benchmark share this. A request is a JSON
 * object on one line, the answer one JSON line; bytes go as base64 (the driver's
 * header lists the operations).
 *
 *   TsmlsPeer *peer = tsmls_peer_start (&error);
 *   JsonBuilder *b = tsmls_request ("new_member", "alice");
 *   JsonObject *a = tsmls_peer_call (peer, b, 30, &error);     (b is consumed)
 *   GBytes *kp = tsmls_get_bytes (a, "key_package");
 *
 * The child runs without LD_PRELOAD, so that a test run under ASan (scripts/
 * sanitizers.sh preloads libasan) does not run node under it; valgrind does not
 * follow children (no --trace-children), so only our side is checked there.
 *
 * TSMLS_PEER_DIR (set by meson) is this directory in the source tree.
 */
#ifndef GST_E2EE_TSMLS_PEER_H
#define GST_E2EE_TSMLS_PEER_H

#include <gio/gio.h>
#include <gio/gunixinputstream.h>
#include <json-glib/json-glib.h>
#include <poll.h>
#include <string.h>

typedef struct
{
  GSubprocess *proc;
  GOutputStream *to_peer;
  GInputStream *from_peer;
  GString *pending;             /* what was read past the last answer's newline */
} TsmlsPeer;

/* Whether node and ts-mls are there; if not, *why says what is missing. */
static inline gboolean
tsmls_peer_available (gchar ** why)
{
  gchar *node = g_find_program_in_path ("node");
  gchar *pkg = g_build_filename (TSMLS_PEER_DIR, "node_modules", "ts-mls",
      "package.json", NULL);
  gboolean ok = TRUE;

  if (node == NULL) {
    *why = g_strdup ("node is not on PATH");
    ok = FALSE;
  } else if (!g_file_test (pkg, G_FILE_TEST_EXISTS)) {
    *why = g_strdup_printf ("%s is missing (run scripts/install-deps.sh)", pkg);
    ok = FALSE;
  }
  g_free (node);
  g_free (pkg);
  return ok;
}

static inline TsmlsPeer *
tsmls_peer_start (GError ** error)
{
  GSubprocessLauncher *l = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE |
      G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  gchar *script = g_build_filename (TSMLS_PEER_DIR, "tsmls-peer.mjs", NULL);
  TsmlsPeer *peer;
  GSubprocess *proc;

  g_subprocess_launcher_unsetenv (l, "LD_PRELOAD");
  g_subprocess_launcher_set_cwd (l, TSMLS_PEER_DIR);
  proc = g_subprocess_launcher_spawn (l, error, "node", script, NULL);
  g_object_unref (l);
  g_free (script);
  if (proc == NULL)
    return NULL;
  peer = g_new0 (TsmlsPeer, 1);
  peer->proc = proc;
  peer->to_peer = g_subprocess_get_stdin_pipe (proc);
  peer->from_peer = g_subprocess_get_stdout_pipe (proc);
  peer->pending = g_string_new (NULL);
  return peer;
}

/* Reads one line (without its newline) within @seconds; NULL on timeout or EOF. */
static inline gchar *
tsmls_peer_read_line (TsmlsPeer * peer, guint seconds, GError ** error)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) seconds * G_USEC_PER_SEC;
  gint fd = g_unix_input_stream_get_fd (G_UNIX_INPUT_STREAM (peer->from_peer));

  for (;;) {
    gchar *nl = memchr (peer->pending->str, '\n', peer->pending->len);
    gchar buf[65536];
    struct pollfd pfd = { fd, POLLIN, 0 };
    gint64 left;
    gssize n;

    if (nl != NULL) {
      gsize len = (gsize) (nl - peer->pending->str);
      gchar *line = g_strndup (peer->pending->str, len);

      g_string_erase (peer->pending, 0, (gssize) len + 1);
      return line;
    }
    left = deadline - g_get_monotonic_time ();
    if (left <= 0 || poll (&pfd, 1, (int) (left / 1000) + 1) == 0) {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
          "the ts-mls peer did not answer within %u s", seconds);
      return NULL;
    }
    n = g_input_stream_read (peer->from_peer, buf, sizeof buf, NULL, error);
    if (n < 0)
      return NULL;
    if (n == 0) {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_CLOSED, "the ts-mls peer exited");
      return NULL;
    }
    g_string_append_len (peer->pending, buf, n);
  }
}

/* A request for @op, with the member name @member if not NULL; add fields to it with
 * json_builder_set_member_name() and the tsmls_add_*() helpers. */
static inline JsonBuilder *
tsmls_request (const gchar * op, const gchar * member)
{
  JsonBuilder *b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "op");
  json_builder_add_string_value (b, op);
  if (member != NULL) {
    json_builder_set_member_name (b, "m");
    json_builder_add_string_value (b, member);
  }
  return b;
}

static inline void
tsmls_add_bytes (JsonBuilder * b, const gchar * name, GBytes * bytes)
{
  gsize len;
  const guchar *data = g_bytes_get_data (bytes, &len);
  gchar *s = g_base64_encode (data, len);

  json_builder_set_member_name (b, name);
  json_builder_add_string_value (b, s);
  g_free (s);
}

static inline void
tsmls_add_int (JsonBuilder * b, const gchar * name, gint64 value)
{
  json_builder_set_member_name (b, name);
  json_builder_add_int_value (b, value);
}

static inline void
tsmls_add_bool (JsonBuilder * b, const gchar * name, gboolean value)
{
  json_builder_set_member_name (b, name);
  json_builder_add_boolean_value (b, value);
}

/* Sends the request (consuming @b) and returns the answer, or NULL with @error set
 * when the peer refused it (its message), did not answer within @seconds or died. */
static inline JsonObject *
tsmls_peer_call (TsmlsPeer * peer, JsonBuilder * b, guint seconds, GError ** error)
{
  JsonGenerator *gen = json_generator_new ();
  JsonNode *root;
  gchar *text, *line;
  JsonParser *parser;
  JsonObject *answer = NULL;
  gboolean sent;

  json_builder_end_object (b);
  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  text = json_generator_to_data (gen, NULL);
  json_node_unref (root);
  g_object_unref (gen);
  g_object_unref (b);
  sent = g_output_stream_write_all (peer->to_peer, text, strlen (text), NULL, NULL, error)
      && g_output_stream_write_all (peer->to_peer, "\n", 1, NULL, NULL, error)
      && g_output_stream_flush (peer->to_peer, NULL, error);
  g_free (text);
  if (!sent)
    return NULL;
  line = tsmls_peer_read_line (peer, seconds, error);
  if (line == NULL)
    return NULL;
  parser = json_parser_new ();
  if (json_parser_load_from_data (parser, line, -1, error)) {
    JsonNode *node = json_parser_get_root (parser);

    if (!JSON_NODE_HOLDS_OBJECT (node)) {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
          "the ts-mls peer answered %s", line);
    } else if (!json_object_get_boolean_member_with_default (json_node_get_object (node),
            "ok", FALSE)) {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "ts-mls: %s",
          json_object_get_string_member_with_default (json_node_get_object (node),
              "error", line));
    } else {
      answer = json_object_ref (json_node_get_object (node));
    }
  }
  g_object_unref (parser);
  g_free (line);
  return answer;
}

/* The base64 member @name of an answer as bytes; NULL if absent or not base64. */
static inline GBytes *
tsmls_get_bytes (JsonObject * answer, const gchar * name)
{
  const gchar *s = json_object_get_string_member_with_default (answer, name, NULL);
  gsize len;
  guchar *data;

  if (s == NULL)
    return NULL;
  data = g_base64_decode (s, &len);
  return g_bytes_new_take (data, len);
}

/* Asks the peer to quit and waits for it (at most @seconds, then kills it). */
static inline gboolean
tsmls_peer_stop (TsmlsPeer * peer, guint seconds)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) seconds * G_USEC_PER_SEC;
  gint fd;
  gboolean eof = FALSE, clean;

  if (peer == NULL)
    return TRUE;
  fd = g_unix_input_stream_get_fd (G_UNIX_INPUT_STREAM (peer->from_peer));
  if (g_output_stream_write_all (peer->to_peer, "{\"op\":\"quit\"}\n", 14, NULL, NULL, NULL))
    g_output_stream_close (peer->to_peer, NULL, NULL);
  /* The child has exited once its stdout reaches EOF. */
  while (!eof && g_get_monotonic_time () < deadline) {
    struct pollfd pfd = { fd, POLLIN, 0 };
    gchar buf[256];

    if (poll (&pfd, 1, 100) > 0)
      eof = g_input_stream_read (peer->from_peer, buf, sizeof buf, NULL, NULL) <= 0;
  }
  if (!eof)
    g_subprocess_force_exit (peer->proc);
  clean = g_subprocess_wait (peer->proc, NULL, NULL) && eof
      && g_subprocess_get_successful (peer->proc);
  g_object_unref (peer->proc);
  g_string_free (peer->pending, TRUE);
  g_free (peer);
  return clean;
}

#endif /* GST_E2EE_TSMLS_PEER_H */
