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

// ---------------------------------------------------------------- readiness through libuv
//
// The poll struct is shared by libuv (until its close callback) and by the JS handle object
// (until its finalizer); whichever lets go last frees it. While polling, a strong reference
// keeps the JS handle alive so the callback can always be reached.

typedef struct {
  uv_poll_t h;
  napi_env env;
  napi_ref cb;
  napi_ref self;
  napi_async_context ctx;
  napi_async_cleanup_hook_handle cleanup;
  int stopped, uv_closed, js_gone;
} kpoll;

static void kpoll_maybe_free(kpoll *p) {
  if (p->uv_closed && p->js_gone) free(p);
}

static void kpoll_closed(uv_handle_t *h) {
  kpoll *p = (kpoll *)h->data;
  p->uv_closed = 1;
  // Only now may a terminating Worker unload this addon: the close callback has run.
  napi_remove_async_cleanup_hook(p->cleanup);
  kpoll_maybe_free(p);
}

static void kpoll_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  kpoll *p = (kpoll *)data;
  p->js_gone = 1;
  kpoll_maybe_free(p);
}

// A terminating Worker closes its loop and unloads the addon: close our handle first, and hold
// the unload (async cleanup hook) until libuv has run our close callback. No JS may run here.
static void kpoll_env_cleanup(napi_async_cleanup_hook_handle handle, void *arg) {
  kpoll *p = (kpoll *)arg;
  if (p->stopped) return;  // a close is already pending; its callback releases the hook
  p->stopped = 1;
  uv_poll_stop(&p->h);
  uv_close((uv_handle_t *)&p->h, kpoll_closed);
}

static void kpoll_stop(kpoll *p) {
  if (p->stopped) return;
  p->stopped = 1;
  uv_poll_stop(&p->h);
  uv_close((uv_handle_t *)&p->h, kpoll_closed);
  napi_delete_reference(p->env, p->cb);
  napi_async_destroy(p->env, p->ctx);
  napi_delete_reference(p->env, p->self);
}

static void kpoll_event(uv_poll_t *h, int status, int events) {
  kpoll *p = (kpoll *)h->data;
  if (p->stopped) return;
  napi_env env = p->env;
  napi_handle_scope scope;
  napi_open_handle_scope(env, &scope);
  napi_value cb, self, args[2];
  napi_get_reference_value(env, p->cb, &cb);
  napi_get_reference_value(env, p->self, &self);
  if (status < 0) {
    napi_value code, msg;
    napi_create_string_utf8(env, uv_err_name(status), NAPI_AUTO_LENGTH, &code);
    napi_create_string_utf8(env, uv_strerror(status), NAPI_AUTO_LENGTH, &msg);
    napi_create_error(env, code, msg, &args[0]);
  } else {
    napi_get_null(env, &args[0]);
  }
  napi_create_int32(env, events, &args[1]);
  napi_value result;
  if (napi_make_callback(env, p->ctx, self, cb, 2, args, &result) == napi_pending_exception) {
    napi_value exc;
    napi_get_and_clear_last_exception(env, &exc);
    napi_fatal_exception(env, exc);  // same fate as a throw in any other I/O callback
  }
  napi_close_handle_scope(env, scope);
}

static kpoll *kpoll_of(napi_env env, napi_value self) {
  void *p = NULL;
  if (napi_unwrap(env, self, &p) != napi_ok) return NULL;
  return (kpoll *)p;
}

static int events_of(napi_env env, napi_value r, napi_value w) {
  bool rd = false, wr = false;
  napi_get_value_bool(env, r, &rd);
  napi_get_value_bool(env, w, &wr);
  return (rd ? UV_READABLE : 0) | (wr ? UV_WRITABLE : 0);
}

static napi_value js_poll_stop(napi_env env, napi_callback_info info) {
  ARGS(0);
  kpoll *p = kpoll_of(env, self_);
  if (p) kpoll_stop(p);
  return NULL;
}

// update(readable, writable): change the watched events without a new handle.
static napi_value js_poll_update(napi_env env, napi_callback_info info) {
  ARGS(2);
  kpoll *p = kpoll_of(env, self_);
  if (!p || p->stopped || argc < 2) return NULL;
  int ev = events_of(env, argv[0], argv[1]);
  int r = ev ? uv_poll_start(&p->h, ev, kpoll_event) : uv_poll_stop(&p->h);
  if (r < 0) return throw_errno(env, -r, "uv_poll_start");
  return NULL;
}

static napi_value js_poll_ref(napi_env env, napi_callback_info info) {
  ARGS(1);
  kpoll *p = kpoll_of(env, self_);
  bool on = true;
  if (argc > 0) napi_get_value_bool(env, argv[0], &on);
  if (p && !p->stopped) {
    if (on) uv_ref((uv_handle_t *)&p->h);
    else uv_unref((uv_handle_t *)&p->h);
  }
  return NULL;
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
  kpoll *p = calloc(1, sizeof *p);
  if (!p) return throw_errno(env, ENOMEM, "uv_poll_init");
  int r = uv_poll_init(loop, &p->h, fd);
  if (r < 0) {
    free(p);
    return throw_errno(env, -r, "uv_poll_init");
  }
  p->h.data = p;
  p->env = env;
  napi_value obj, fn, name;
  napi_create_object(env, &obj);
  napi_create_function(env, "stop", NAPI_AUTO_LENGTH, js_poll_stop, NULL, &fn);
  napi_set_named_property(env, obj, "stop", fn);
  napi_create_function(env, "update", NAPI_AUTO_LENGTH, js_poll_update, NULL, &fn);
  napi_set_named_property(env, obj, "update", fn);
  napi_create_function(env, "ref", NAPI_AUTO_LENGTH, js_poll_ref, NULL, &fn);
  napi_set_named_property(env, obj, "ref", fn);
  napi_create_string_utf8(env, "kats.poll", NAPI_AUTO_LENGTH, &name);
  napi_wrap(env, obj, p, kpoll_finalize, NULL, NULL);
  napi_create_reference(env, argv[3], 1, &p->cb);
  napi_create_reference(env, obj, 1, &p->self);
  napi_async_init(env, NULL, name, &p->ctx);
  napi_add_async_cleanup_hook(env, kpoll_env_cleanup, p, &p->cleanup);
  int ev = events_of(env, argv[1], argv[2]);
  r = ev ? uv_poll_start(&p->h, ev, kpoll_event) : 0;
  if (r < 0) {
    kpoll_stop(p);
    return throw_errno(env, -r, "uv_poll_start");
  }
  return obj;
}

// signal(signum, callback()) -> { stop(), ref(on) }: a libuv signal watcher for any signal
// number. Node's process.on() only knows the named signals, so a real-time signal such as
// keepalived's SIGRTMIN+2 (JSON dump) would otherwise take the default action and kill the
// daemon. Same ownership rules as the poll handle above.
typedef struct {
  uv_signal_t h;
  napi_env env;
  napi_ref cb;
  napi_ref self;
  napi_async_context ctx;
  napi_async_cleanup_hook_handle cleanup;
  int stopped, uv_closed, js_gone;
} ksig;

static void ksig_maybe_free(ksig *p) {
  if (p->uv_closed && p->js_gone) free(p);
}

static void ksig_closed(uv_handle_t *h) {
  ksig *p = (ksig *)h->data;
  p->uv_closed = 1;
  napi_remove_async_cleanup_hook(p->cleanup);
  ksig_maybe_free(p);
}

static void ksig_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  ksig *p = (ksig *)data;
  p->js_gone = 1;
  ksig_maybe_free(p);
}

static void ksig_env_cleanup(napi_async_cleanup_hook_handle handle, void *arg) {
  (void)handle;
  ksig *p = (ksig *)arg;
  if (p->stopped) return;
  p->stopped = 1;
  uv_signal_stop(&p->h);
  uv_close((uv_handle_t *)&p->h, ksig_closed);
}

static void ksig_stop(ksig *p) {
  if (p->stopped) return;
  p->stopped = 1;
  uv_signal_stop(&p->h);
  uv_close((uv_handle_t *)&p->h, ksig_closed);
  napi_delete_reference(p->env, p->cb);
  napi_async_destroy(p->env, p->ctx);
  napi_delete_reference(p->env, p->self);
}

static void ksig_event(uv_signal_t *h, int signum) {
  ksig *p = (ksig *)h->data;
  if (p->stopped) return;
  napi_env env = p->env;
  napi_handle_scope scope;
  napi_open_handle_scope(env, &scope);
  napi_value cb, self, arg, result;
  napi_get_reference_value(env, p->cb, &cb);
  napi_get_reference_value(env, p->self, &self);
  napi_create_int32(env, signum, &arg);
  if (napi_make_callback(env, p->ctx, self, cb, 1, &arg, &result) == napi_pending_exception) {
    napi_value exc;
    napi_get_and_clear_last_exception(env, &exc);
    napi_fatal_exception(env, exc);
  }
  napi_close_handle_scope(env, scope);
}

static ksig *ksig_of(napi_env env, napi_value self) {
  void *p = NULL;
  if (napi_unwrap(env, self, &p) != napi_ok) return NULL;
  return (ksig *)p;
}

static napi_value js_signal_stop(napi_env env, napi_callback_info info) {
  ARGS(0);
  ksig *p = ksig_of(env, self_);
  if (p) ksig_stop(p);
  return NULL;
}

static napi_value js_signal_ref(napi_env env, napi_callback_info info) {
  ARGS(1);
  ksig *p = ksig_of(env, self_);
  bool on = true;
  if (argc > 0) napi_get_value_bool(env, argv[0], &on);
  if (p && !p->stopped) {
    if (on) uv_ref((uv_handle_t *)&p->h);
    else uv_unref((uv_handle_t *)&p->h);
  }
  return NULL;
}

static napi_value js_signal(napi_env env, napi_callback_info info) {
  ARGS(2);
  int32_t signum;
  napi_valuetype t;
  if (argc < 2 || !get_int(env, argv[0], &signum) || napi_typeof(env, argv[1], &t) != napi_ok || t != napi_function)
    return throw_type(env, "signal(signum, callback) expected");
  uv_loop_t *loop;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok) return throw_errno(env, EINVAL, "uv_signal_init");
  ksig *p = calloc(1, sizeof *p);
  if (!p) return throw_errno(env, ENOMEM, "uv_signal_init");
  int r = uv_signal_init(loop, &p->h);
  if (r < 0) {
    free(p);
    return throw_errno(env, -r, "uv_signal_init");
  }
  p->h.data = p;
  p->env = env;
  napi_value obj, fn, name;
  napi_create_object(env, &obj);
  napi_create_function(env, "stop", NAPI_AUTO_LENGTH, js_signal_stop, NULL, &fn);
  napi_set_named_property(env, obj, "stop", fn);
  napi_create_function(env, "ref", NAPI_AUTO_LENGTH, js_signal_ref, NULL, &fn);
  napi_set_named_property(env, obj, "ref", fn);
  napi_create_string_utf8(env, "kats.signal", NAPI_AUTO_LENGTH, &name);
  napi_wrap(env, obj, p, ksig_finalize, NULL, NULL);
  napi_create_reference(env, argv[1], 1, &p->cb);
  napi_create_reference(env, obj, 1, &p->self);
  napi_async_init(env, NULL, name, &p->ctx);
  napi_add_async_cleanup_hook(env, ksig_env_cleanup, p, &p->cleanup);
  r = uv_signal_start(&p->h, ksig_event, signum);
  if (r < 0) {
    ksig_stop(p);
    return throw_errno(env, -r, "uv_signal_start");
  }
  return obj;
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
      {"signal", js_signal},
  };
  for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
    napi_value f;
    napi_create_function(env, fns[i].name, NAPI_AUTO_LENGTH, fns[i].fn, NULL, &f);
    napi_set_named_property(env, exports, fns[i].name, f);
  }
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
