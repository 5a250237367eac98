// kats_sockets: generic socket syscalls for keepalived-ts, through the Node-API C interface.
//
// Deliberately protocol-blind: addresses, socket option values and control messages cross this
// boundary as raw bytes that TypeScript builds and parses (src/native/sockaddr.ts, cmsg.ts).
// Every socket is non-blocking; readiness comes from a libuv uv_poll_t so nothing here ever
// blocks the event loop. Errors become JS Errors with code (errno name), errno and syscall.
#define NAPI_VERSION 8
#define _GNU_SOURCE
#include <node_api.h>
#include <uv.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define MAX_ADDR 128        // sizeof(struct sockaddr_storage)
#define MAX_IO (1 << 24)    // 16 MiB: no datagram or option value is larger

// Throws a system error shaped like Node's own: message "syscall CODE: text".
static napi_value throw_errno(napi_env env, int err, const char *syscall) {
  const char *name = uv_err_name(uv_translate_sys_error(err));
  char msg[256];
  snprintf(msg, sizeof msg, "%s %s: %s", syscall, name, strerror(err));
  napi_value code, text, error, num, sc;
  napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &code);
  napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &text);
  napi_create_error(env, code, text, &error);
  napi_create_int32(env, err, &num);
  napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &sc);
  napi_set_named_property(env, error, "errno", num);
  napi_set_named_property(env, error, "syscall", sc);
  napi_throw(env, error);
  return NULL;
}

static napi_value throw_type(napi_env env, const char *msg) {
  napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", msg);
  return NULL;
}

#define ARGS(n)                                                         \
  size_t argc = (n);                                                    \
  napi_value argv[(n) > 0 ? (n) : 1];                                   \
  napi_value self_;                                                     \
  if (napi_get_cb_info(env, info, &argc, argv, &self_, NULL) != napi_ok) \
    return NULL;                                                        \
  (void)self_;

static int get_int(napi_env env, napi_value v, int32_t *out) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_number) return 0;
  return napi_get_value_int32(env, v, out) == napi_ok;
}

static int is_nullish(napi_env env, napi_value v) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok) return 0;
  return t == napi_null || t == napi_undefined;
}

// Any Uint8Array (Buffer included): pointer and length. A zero-length array may give data NULL.
static int get_bytes(napi_env env, napi_value v, void **data, size_t *len) {
  bool is_ta = false;
  if (napi_is_typedarray(env, v, &is_ta) != napi_ok || !is_ta) return 0;
  napi_typedarray_type type;
  napi_value ab;
  size_t off;
  if (napi_get_typedarray_info(env, v, &type, len, data, &ab, &off) != napi_ok) return 0;
  return type == napi_uint8_array;
}

static napi_value make_int(napi_env env, int64_t n) {
  napi_value v;
  napi_create_int64(env, n, &v);
  return v;
}

static napi_value make_bytes(napi_env env, const void *p, size_t n) {
  napi_value v;
  void *dst;
  if (napi_create_buffer_copy(env, n, p, &dst, &v) != napi_ok) return NULL;
  return v;
}

// Optional sockaddr argument: null/undefined means none; else 1..128 raw bytes.
static int get_addr(napi_env env, napi_value v, void **data, size_t *len) {
  if (is_nullish(env, v)) {
    *data = NULL;
    *len = 0;
    return 1;
  }
  return get_bytes(env, v, data, len) && *len > 0 && *len <= MAX_ADDR;
}

// socket(domain, type, protocol) -> fd; always non-blocking and close-on-exec.
static napi_value js_socket(napi_env env, napi_callback_info info) {
  ARGS(3);
  int32_t d, t, p;
  if (argc < 3 || !get_int(env, argv[0], &d) || !get_int(env, argv[1], &t) || !get_int(env, argv[2], &p))
    return throw_type(env, "socket(domain, type, protocol): numbers expected");
  int fd = socket(d, t | SOCK_NONBLOCK | SOCK_CLOEXEC, p);
  if (fd < 0) return throw_errno(env, errno, "socket");
  return make_int(env, fd);
}

typedef int (*addr_fn)(int, const struct sockaddr *, socklen_t);

static napi_value addr_call(napi_env env, napi_callback_info info, addr_fn fn, const char *name) {
  ARGS(2);
  int32_t fd;
  void *addr;
  size_t alen;
  if (argc < 2 || !get_int(env, argv[0], &fd) || !get_bytes(env, argv[1], &addr, &alen) || alen == 0 || alen > MAX_ADDR)
    return throw_type(env, "(fd, sockaddr): a number and 1..128 bytes expected");
  if (fn(fd, (const struct sockaddr *)addr, (socklen_t)alen) < 0) return throw_errno(env, errno, name);
  return NULL;
}

static napi_value js_bind(napi_env env, napi_callback_info info) { return addr_call(env, info, bind, "bind"); }
static napi_value js_connect(napi_env env, napi_callback_info info) { return addr_call(env, info, connect, "connect"); }

// setsockopt(fd, level, name, value bytes)
static napi_value js_setsockopt(napi_env env, napi_callback_info info) {
  ARGS(4);
  int32_t fd, level, name;
  void *val;
  size_t vlen;
  if (argc < 4 || !get_int(env, argv[0], &fd) || !get_int(env, argv[1], &level) || !get_int(env, argv[2], &name) ||
      !get_bytes(env, argv[3], &val, &vlen) || vlen > MAX_IO)
    return throw_type(env, "setsockopt(fd, level, name, value): numbers and bytes expected");
  if (setsockopt(fd, level, name, val, (socklen_t)vlen) < 0) return throw_errno(env, errno, "setsockopt");
  return NULL;
}

// getsockopt(fd, level, name, maxLength) -> the bytes the kernel wrote.
static napi_value js_getsockopt(napi_env env, napi_callback_info info) {
  ARGS(4);
  int32_t fd, level, name, max;
  if (argc < 4 || !get_int(env, argv[0], &fd) || !get_int(env, argv[1], &level) || !get_int(env, argv[2], &name) ||
      !get_int(env, argv[3], &max) || max < 0 || max > 65536)
    return throw_type(env, "getsockopt(fd, level, name, maxLength 0..65536) expected");
  char *buf = malloc(max > 0 ? (size_t)max : 1);
  if (!buf) return throw_errno(env, ENOMEM, "getsockopt");
  socklen_t len = (socklen_t)max;
  if (getsockopt(fd, level, name, buf, &len) < 0) {
    int e = errno;
    free(buf);
    return throw_errno(env, e, "getsockopt");
  }
  napi_value out = make_bytes(env, buf, len < (socklen_t)max ? len : (socklen_t)max);
  free(buf);
  return out;
}

static napi_value js_getsockname(napi_env env, napi_callback_info info) {
  ARGS(1);
  int32_t fd;
  if (argc < 1 || !get_int(env, argv[0], &fd)) return throw_type(env, "getsockname(fd) expected");
  struct sockaddr_storage ss;
  socklen_t len = sizeof ss;
  if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0) return throw_errno(env, errno, "getsockname");
  return make_bytes(env, &ss, len < sizeof ss ? len : sizeof ss);
}

// sendmsg(fd, data, addr|null, control|null, flags) -> bytes sent. sendto is the same without control.
static napi_value do_sendmsg(napi_env env, napi_value *argv, size_t argc, int has_control) {
  int32_t fd, flags = 0;
  void *data, *addr, *ctl = NULL;
  size_t dlen, alen, clen = 0;
  size_t nflags = has_control ? 4 : 3;
  if (argc < 3 || !get_int(env, argv[0], &fd) || !get_bytes(env, argv[1], &data, &dlen) || dlen > MAX_IO ||
      !get_addr(env, argv[2], &addr, &alen))
    return throw_type(env, "send(fd, data, sockaddr|null, ...): bad arguments");
  if (has_control && argc > 3 && !is_nullish(env, argv[3]) && (!get_bytes(env, argv[3], &ctl, &clen) || clen > 65536))
    return throw_type(env, "sendmsg: control must be bytes or null");
  if (argc > nflags && !is_nullish(env, argv[nflags]) && !get_int(env, argv[nflags], &flags))
    return throw_type(env, "send: flags must be a number");
  struct iovec iov = {.iov_base = data, .iov_len = dlen};
  struct msghdr mh = {0};
  mh.msg_name = addr;
  mh.msg_namelen = (socklen_t)alen;
  mh.msg_iov = &iov;
  mh.msg_iovlen = 1;
  mh.msg_control = clen ? ctl : NULL;
  mh.msg_controllen = clen;
  ssize_t n;
  do n = sendmsg(fd, &mh, flags | MSG_DONTWAIT | MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  if (n < 0) return throw_errno(env, errno, has_control ? "sendmsg" : "sendto");
  return make_int(env, n);
}

static napi_value js_sendto(napi_env env, napi_callback_info info) {
  ARGS(4);
  return do_sendmsg(env, argv, argc, 0);
}

static napi_value js_sendmsg(napi_env env, napi_callback_info info) {
  ARGS(5);
  return do_sendmsg(env, argv, argc, 1);
}

// recvmsg(fd, maxData, maxControl, flags) -> {data, size, addr, control, flags}, or null when the
// socket has nothing (EAGAIN). `size` is the kernel's return value: with MSG_TRUNC in flags it is the
// full datagram length even when it exceeds maxData, which lets callers size a retry.
static napi_value js_recvmsg(napi_env env, napi_callback_info info) {
  ARGS(4);
  int32_t fd, maxd, maxc, flags = 0;
  if (argc < 3 || !get_int(env, argv[0], &fd) || !get_int(env, argv[1], &maxd) || !get_int(env, argv[2], &maxc) ||
      maxd < 0 || maxd > MAX_IO || maxc < 0 || maxc > 65536)
    return throw_type(env, "recvmsg(fd, maxData, maxControl, flags): bad arguments");
  if (argc > 3 && !is_nullish(env, argv[3]) && !get_int(env, argv[3], &flags))
    return throw_type(env, "recvmsg: flags must be a number");
  char *data = malloc((size_t)maxd + 1);
  char *ctl = malloc((size_t)maxc + 1);
  if (!data || !ctl) {
    free(data);
    free(ctl);
    return throw_errno(env, ENOMEM, "recvmsg");
  }
  struct sockaddr_storage ss;
  struct iovec iov = {.iov_base = data, .iov_len = (size_t)maxd};
  struct msghdr mh = {0};
  mh.msg_name = &ss;
  mh.msg_namelen = sizeof ss;
  mh.msg_iov = &iov;
  mh.msg_iovlen = 1;
  mh.msg_control = maxc ? ctl : NULL;
  mh.msg_controllen = (size_t)maxc;
  ssize_t n;
  do n = recvmsg(fd, &mh, flags | MSG_DONTWAIT);
  while (n < 0 && errno == EINTR);
  napi_value out = NULL;
  if (n < 0) {
    int e = errno;
    if (e == EAGAIN || e == EWOULDBLOCK) napi_get_null(env, &out);
    else throw_errno(env, e, "recvmsg");
  } else {
    size_t got = (size_t)n < (size_t)maxd ? (size_t)n : (size_t)maxd;
    size_t alen = mh.msg_namelen < sizeof ss ? mh.msg_namelen : sizeof ss;
    size_t clen = mh.msg_controllen < (size_t)maxc ? mh.msg_controllen : (size_t)maxc;
    napi_create_object(env, &out);
    napi_set_named_property(env, out, "data", make_bytes(env, data, got));
    napi_set_named_property(env, out, "size", make_int(env, n));
    napi_set_named_property(env, out, "addr", make_bytes(env, &ss, alen));
    napi_set_named_property(env, out, "control", make_bytes(env, ctl, clen));
    napi_set_named_property(env, out, "flags", make_int(env, mh.msg_flags));
  }
  free(data);
  free(ctl);
  return out;
}

static napi_value js_close(napi_env env, napi_callback_info info) {
  ARGS(1);
  int32_t fd;
  if (argc < 1 || !get_int(env, argv[0], &fd)) return throw_type(env, "close(fd) expected");
  // Linux releases the descriptor even when close reports EINTR, so never retry.
  if (close(fd) < 0 && errno != EINTR) return throw_errno(env, errno, "close");
  return NULL;
}

// setns(fd, nstype): moves the calling thread (Node's main thread) into another namespace.
// Only sockets created afterwards live there; existing sockets keep their namespace.
static napi_value js_setns(napi_env env, napi_callback_info info) {
  ARGS(2);
  int32_t fd, nstype;
  if (argc < 2 || !get_int(env, argv[0], &fd) || !get_int(env, argv[1], &nstype))
    return throw_type(env, "setns(fd, nstype) expected");
  if (setns(fd, nstype) < 0) return throw_errno(env, errno, "setns");
  return NULL;
}

// ---------------------------------------------------------------- libuv handles
//
// Two kinds of watcher reach JS: readiness of a socket (uv_poll_t) and a signal (uv_signal_t,
// for any signal number: Node's process.on() only knows the named signals, so a real-time signal
// such as keepalived's SIGRTMIN+2 would otherwise take its default action and kill the daemon).
// The struct is shared by libuv (until its close callback) and by the JS handle object (until
// its finalizer); whichever lets go last frees it. While active, a strong reference keeps the JS
// handle alive so the callback can always be reached.

enum { K_POLL, K_SIGNAL };

typedef struct {
  union {
    uv_handle_t handle;
    uv_poll_t poll;
    uv_signal_t signal;
  } u;
  int kind;
  napi_env env;
  napi_ref cb;
  napi_ref self;
  napi_async_context ctx;
  napi_async_cleanup_hook_handle cleanup;
  int stopped, uv_closed, js_gone;
} khandle;

static void khandle_maybe_free(khandle *p) {
  if (p->uv_closed && p->js_gone) free(p);
}

static void khandle_closed(uv_handle_t *h) {
  khandle *p = (khandle *)h->data;
  p->uv_closed = 1;
  // Only now may a terminating Worker unload this addon: the close callback has run.
  napi_remove_async_cleanup_hook(p->cleanup);
  khandle_maybe_free(p);
}

static void khandle_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  khandle *p = (khandle *)data;
  p->js_gone = 1;
  khandle_maybe_free(p);
}

static void khandle_uv_stop(khandle *p) {
  if (p->kind == K_POLL) uv_poll_stop(&p->u.poll);
  else uv_signal_stop(&p->u.signal);
  uv_close(&p->u.handle, khandle_closed);
}

// A terminating Worker closes its loop and unloads the addon: close our handle first, and hold
// the unload (async cleanup hook) until libuv has run our close callback. No JS may run here.
static void khandle_env_cleanup(napi_async_cleanup_hook_handle handle, void *arg) {
  (void)handle;
  khandle *p = (khandle *)arg;
  if (p->stopped) return;  // a close is already pending; its callback releases the hook
  p->stopped = 1;
  khandle_uv_stop(p);
}

static void khandle_stop(khandle *p) {
  if (p->stopped) return;
  p->stopped = 1;
  khandle_uv_stop(p);
  napi_delete_reference(p->env, p->cb);
  napi_async_destroy(p->env, p->ctx);
  napi_delete_reference(p->env, p->self);
}

// Calls the JS callback with (args...); a throw there is treated as in any other I/O callback.
static void khandle_call(khandle *p, size_t argc, napi_value *args) {
  napi_env env = p->env;
  napi_value cb, self, result;
  napi_get_reference_value(env, p->cb, &cb);
  napi_get_reference_value(env, p->self, &self);
  if (napi_make_callback(env, p->ctx, self, cb, argc, args, &result) == napi_pending_exception) {
    napi_value exc;
    napi_get_and_clear_last_exception(env, &exc);
    napi_fatal_exception(env, exc);
  }
}

static void kpoll_event(uv_poll_t *h, int status, int events) {
  khandle *p = (khandle *)h->data;
  if (p->stopped) return;
  napi_env env = p->env;
  napi_handle_scope scope;
  napi_open_handle_scope(env, &scope);
  napi_value args[2];
  if (status < 0) {
    napi_value code, msg;
    napi_create_string_utf8(env, uv_err_name(status), NAPI_AUTO_LENGTH, &code);
    napi_create_string_utf8(env, uv_strerror(status), NAPI_AUTO_LENGTH, &msg);
    napi_create_error(env, code, msg, &args[0]);
  } else {
    napi_get_null(env, &args[0]);
  }
  napi_create_int32(env, events, &args[1]);
  khandle_call(p, 2, args);
  napi_close_handle_scope(env, scope);
}

static void ksignal_event(uv_signal_t *h, int signum) {
  khandle *p = (khandle *)h->data;
  if (p->stopped) return;
  napi_handle_scope scope;
  napi_open_handle_scope(p->env, &scope);
  napi_value arg;
  napi_create_int32(p->env, signum, &arg);
  khandle_call(p, 1, &arg);
  napi_close_handle_scope(p->env, scope);
}

static khandle *khandle_of(napi_env env, napi_value self) {
  void *p = NULL;
  if (napi_unwrap(env, self, &p) != napi_ok) return NULL;
  return (khandle *)p;
}

static int events_of(napi_env env, napi_value r, napi_value w) {
  bool rd = false, wr = false;
  napi_get_value_bool(env, r, &rd);
  napi_get_value_bool(env, w, &wr);
  return (rd ? UV_READABLE : 0) | (wr ? UV_WRITABLE : 0);
}

static napi_value js_handle_stop(napi_env env, napi_callback_info info) {
  ARGS(0);
  khandle *p = khandle_of(env, self_);
  if (p) khandle_stop(p);
  return NULL;
}

// update(readable, writable): change the watched events without a new handle (polls only).
static napi_value js_poll_update(napi_env env, napi_callback_info info) {
  ARGS(2);
  khandle *p = khandle_of(env, self_);
  if (!p || p->stopped || p->kind != K_POLL || argc < 2) return NULL;
  int ev = events_of(env, argv[0], argv[1]);
  int r = ev ? uv_poll_start(&p->u.poll, ev, kpoll_event) : uv_poll_stop(&p->u.poll);
  if (r < 0) return throw_errno(env, -r, "uv_poll_start");
  return NULL;
}

static napi_value js_handle_ref(napi_env env, napi_callback_info info) {
  ARGS(1);
  khandle *p = khandle_of(env, self_);
  bool on = true;
  if (argc > 0) napi_get_value_bool(env, argv[0], &on);
  if (p && !p->stopped) {
    if (on) uv_ref(&p->u.handle);
    else uv_unref(&p->u.handle);
  }
  return NULL;
}

static void set_method(napi_env env, napi_value obj, const char *name, napi_callback fn) {
  napi_value f;
  napi_create_function(env, name, NAPI_AUTO_LENGTH, fn, NULL, &f);
  napi_set_named_property(env, obj, name, f);
}

// The JS object of an initialised handle: methods, ownership, async context.
static napi_value khandle_wrap(napi_env env, khandle *p, napi_value callback, const char *resource) {
  napi_value obj, name;
  p->u.handle.data = p;
  p->env = env;
  napi_create_object(env, &obj);
  set_method(env, obj, "stop", js_handle_stop);
  set_method(env, obj, "ref", js_handle_ref);
  if (p->kind == K_POLL) set_method(env, obj, "update", js_poll_update);
  napi_create_string_utf8(env, resource, NAPI_AUTO_LENGTH, &name);
  napi_wrap(env, obj, p, khandle_finalize, NULL, NULL);
  napi_create_reference(env, callback, 1, &p->cb);
  napi_create_reference(env, obj, 1, &p->self);
  napi_async_init(env, NULL, name, &p->ctx);
  napi_add_async_cleanup_hook(env, khandle_env_cleanup, p, &p->cleanup);
  return obj;
}

// poll(fd, readable, writable, callback(err, events)) -> { stop(), update(r, w), ref(on) }
static napi_value js_poll(napi_env env, napi_callback_info info) {
  ARGS(4);
  int32_t fd;
  napi_valuetype t;
  if (argc < 4 || !get_int(env, argv[0], &fd) || napi_typeof(env, argv[3], &t) != napi_ok || t != napi_function)
    return throw_type(env, "poll(fd, readable, writable, callback) expected");
  uv_loop_t *loop;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok) return throw_errno(env, EINVAL, "uv_poll_init");
  khandle *p = calloc(1, sizeof *p);
  if (!p) return throw_errno(env, ENOMEM, "uv_poll_init");
  p->kind = K_POLL;
  int r = uv_poll_init(loop, &p->u.poll, fd);
  if (r < 0) {
    free(p);
    return throw_errno(env, -r, "uv_poll_init");
  }
  napi_value obj = khandle_wrap(env, p, argv[3], "kats.poll");
  int ev = events_of(env, argv[1], argv[2]);
  r = ev ? uv_poll_start(&p->u.poll, ev, kpoll_event) : 0;
  if (r < 0) {
    khandle_stop(p);
    return throw_errno(env, -r, "uv_poll_start");
  }
  return obj;
}

// signal(signum, callback(signum)) -> { stop(), ref(on) }
static napi_value js_signal(napi_env env, napi_callback_info info) {
  ARGS(2);
  int32_t signum;
  napi_valuetype t;
  if (argc < 2 || !get_int(env, argv[0], &signum) || napi_typeof(env, argv[1], &t) != napi_ok || t != napi_function)
    return throw_type(env, "signal(signum, callback) expected");
  uv_loop_t *loop;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok) return throw_errno(env, EINVAL, "uv_signal_init");
  khandle *p = calloc(1, sizeof *p);
  if (!p) return throw_errno(env, ENOMEM, "uv_signal_init");
  p->kind = K_SIGNAL;
  int r = uv_signal_init(loop, &p->u.signal);
  if (r < 0) {
    free(p);
    return throw_errno(env, -r, "uv_signal_init");
  }
  napi_value obj = khandle_wrap(env, p, argv[1], "kats.signal");
  r = uv_signal_start(&p->u.signal, ksignal_event, signum);
  if (r < 0) {
    khandle_stop(p);
    return throw_errno(env, -r, "uv_signal_start");
  }
  return obj;
}

// clock_gettime(2) of any clock, in milliseconds (double: sub-microsecond at today's epoch).
// Kernel socket timestamps (SO_TIMESTAMPNS) are CLOCK_REALTIME; comparing them with a reading of
// the same clock taken now gives a packet's age without trusting Node's coarse Date.now().
static napi_value js_clock_gettime(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int32_t id;
  if (argc < 1 || napi_get_value_int32(env, argv[0], &id) != napi_ok) return throw_type(env, "clock id expected");
  struct timespec ts;
  if (clock_gettime((clockid_t)id, &ts) < 0) return throw_errno(env, errno, "clock_gettime");
  napi_value v;
  napi_create_double(env, (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6, &v);
  return v;
}

// timerfd_create(clock id): a one-shot deadline the kernel keeps with hrtimer precision; watched
// with poll() like a socket, so the loop sleeps in epoll until it is due instead of spinning.
static napi_value js_timerfd_create(napi_env env, napi_callback_info info) {
  ARGS(1);
  int32_t id;
  if (argc < 1 || !get_int(env, argv[0], &id)) return throw_type(env, "timerfdCreate(clockId) expected");
  int fd = timerfd_create((clockid_t)id, TFD_NONBLOCK | TFD_CLOEXEC);
  if (fd < 0) return throw_errno(env, errno, "timerfd_create");
  return make_int(env, fd);
}

// timerfdSet(fd, ms, absolute): arms the deadline (no repeat). A zero it_value would disarm it,
// so a deadline of 0 (or already passed, negative, NaN) becomes 1 ns: it expires at once.
static napi_value js_timerfd_set(napi_env env, napi_callback_info info) {
  ARGS(3);
  int32_t fd;
  double ms;
  bool absolute = false;
  if (argc < 3 || !get_int(env, argv[0], &fd) || napi_get_value_double(env, argv[1], &ms) != napi_ok ||
      napi_get_value_bool(env, argv[2], &absolute) != napi_ok)
    return throw_type(env, "timerfdSet(fd, ms, absolute) expected");
  if (!(ms >= 0)) ms = 0;  // also NaN
  struct itimerspec its;
  memset(&its, 0, sizeof its);
  its.it_value.tv_sec = (time_t)(ms / 1e3);
  its.it_value.tv_nsec = (long)((ms - (double)its.it_value.tv_sec * 1e3) * 1e6);
  if (its.it_value.tv_nsec >= 1000000000L) its.it_value.tv_nsec = 999999999L;
  if (its.it_value.tv_nsec < 0) its.it_value.tv_nsec = 0;
  if (its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0) its.it_value.tv_nsec = 1;
  if (timerfd_settime(fd, absolute ? TFD_TIMER_ABSTIME : 0, &its, NULL) < 0) return throw_errno(env, errno, "timerfd_settime");
  return NULL;
}

// read(fd, max): one read(2); null when nothing is ready (EAGAIN). For timerfds (8 bytes: the
// expiry count) and any other non-socket descriptor.
static napi_value js_read(napi_env env, napi_callback_info info) {
  ARGS(2);
  int32_t fd, max;
  if (argc < 2 || !get_int(env, argv[0], &fd) || !get_int(env, argv[1], &max) || max < 1 || max > MAX_IO)
    return throw_type(env, "read(fd, maxBytes) expected");
  char small[64];
  char *buf = max <= (int32_t)sizeof small ? small : malloc((size_t)max);
  if (!buf) return throw_errno(env, ENOMEM, "read");
  ssize_t n;
  do n = read(fd, buf, (size_t)max);
  while (n < 0 && errno == EINTR);
  if (n < 0) {
    int err = errno;
    if (buf != small) free(buf);
    if (err == EAGAIN || err == EWOULDBLOCK) {
      napi_value nul;
      napi_get_null(env, &nul);
      return nul;
    }
    return throw_errno(env, err, "read");
  }
  napi_value out = make_bytes(env, buf, (size_t)n);
  if (buf != small) free(buf);
  return out;
}

static napi_value init(napi_env env, napi_value exports) {
  static const struct {
    const char *name;
    napi_callback fn;
  } fns[] = {
      {"socket", js_socket},       {"bind", js_bind},           {"connect", js_connect},
      {"setsockopt", js_setsockopt}, {"getsockopt", js_getsockopt}, {"getsockname", js_getsockname},
      {"sendto", js_sendto},       {"sendmsg", js_sendmsg},     {"recvmsg", js_recvmsg},
      {"poll", js_poll},           {"close", js_close},         {"setns", js_setns},
      {"signal", js_signal},       {"clockGettime", js_clock_gettime}, {"timerfdCreate", js_timerfd_create},
      {"timerfdSet", js_timerfd_set}, {"read", js_read},
  };
  for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
    napi_value f;
    napi_create_function(env, fns[i].name, NAPI_AUTO_LENGTH, fns[i].fn, NULL, &f);
    napi_set_named_property(env, exports, fns[i].name, f);
  }
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
