#!/bin/bash
# Prepares the VM tier's cached artefacts under test/vm/.work/ (gitignored), following
# ../shared/reference/vm-ipvs.md: Debian's cloud kernel (IPVS as modules) and one `lz4 -l`
# initramfs holding busybox, iproute2, ipvsadm, keepalived, the IPVS modules and the project's own
# Node 24 binary. Idempotent: every step is skipped when its output is up to date, so a second run
# costs well under a second. The project tree itself is NOT in here: scripts/vm/run.ts packs it per
# boot as a small uncompressed archive placed before this one (the kernel accepts an uncompressed
# cpio followed by a compressed one, not the other way round).
#
# Needs (Debian 12 packages): qemu-system-x86, busybox-static, ipvsadm, keepalived, iproute2, lz4,
# bash, optionally binutils (strip); the Debian archive for `apt-get download` of the kernel package
# and of nftables + libnftables1 (unpacked for the guest only, not installed on the host).
# Outputs: test/vm/.work/vmlinuz, test/vm/.work/base.cpio.lz4, test/vm/.work/base.stamp
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WORK=${KATS_VM_WORK:-$ROOT/test/vm/.work}
mkdir -p "$WORK"
log() { echo "prepare-vm: $*" >&2; }
die() { echo "prepare-vm: ERROR: $*" >&2; exit 1; }

for c in busybox lz4 ldd apt-get apt-cache dpkg-deb sha256sum; do
  command -v "$c" >/dev/null || die "missing command '$c' (Debian packages: busybox-static lz4)"
done
# The guest has no libc of its own for busybox: it must be the static build (busybox-static).
BUSYBOX=/bin/busybox
[ -x "$BUSYBOX" ] || BUSYBOX=$(command -v busybox)
if ldd "$BUSYBOX" >/dev/null 2>&1; then die "$BUSYBOX is dynamically linked: install busybox-static"; fi
IPVSADM=$(command -v ipvsadm || echo /usr/sbin/ipvsadm); [ -x "$IPVSADM" ] || die "missing ipvsadm (apt-get install ipvsadm)"
KEEPALIVED=$(command -v keepalived || echo /usr/sbin/keepalived); [ -x "$KEEPALIVED" ] || die "missing keepalived (apt-get install keepalived)"
IPBIN=$(command -v ip || echo /usr/sbin/ip); [ -x "$IPBIN" ] || die "missing ip (apt-get install iproute2)"
BASH_BIN=$(command -v bash); [ -x "$BASH_BIN" ] || die "missing bash"
NODE=$(readlink -f "$ROOT/node_modules/.bin/node" 2>/dev/null || true)
[ -x "$NODE" ] || die "node_modules/.bin/node missing: run npm ci first"
NODE_VERSION=$("$NODE" --version)
case "$NODE_VERSION" in v24.*) ;; *) die "node_modules/.bin/node is $NODE_VERSION, expected v24" ;; esac

# ---------------------------------------------------------------- 1. kernel package
# The newest 6.1 cloud kernel the archive offers: the metapackage's dependency, else the highest
# version found by name. `apt-get download` needs no root and installs nothing.
pick_kernel() {
  local p
  p=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null | awk '/Depends: linux-image-6\.1\.[0-9]+-[0-9]+-cloud-amd64$/ {print $2; exit}')
  if [ -z "$p" ]; then
    p=$(apt-cache search --names-only '^linux-image-6\.1\.[0-9]+-[0-9]+-cloud-amd64$' 2>/dev/null | awk '{print $1}' | sort -V | tail -1)
  fi
  echo "$p"
}
KPKG=${KATS_VM_KERNEL_PKG:-}
if [ -z "$KPKG" ] && [ -f "$WORK/kernel.pkg" ] && [ -f "$WORK/vmlinuz" ]; then
  KPKG=$(cat "$WORK/kernel.pkg")            # cached: do not touch the network again
fi
if [ -z "$KPKG" ]; then
  KPKG=$(pick_kernel)
  if [ -z "$KPKG" ] && [ "$(id -u)" = 0 ]; then
    log "no cloud kernel in the apt lists; running apt-get update"
    apt-get update -qq >&2 || true
    KPKG=$(pick_kernel)
  fi
  [ -n "$KPKG" ] || die "no linux-image-6.1.*-cloud-amd64 package found by apt-cache (apt-get update?)"
fi
KVER=${KPKG#linux-image-}
KDIR=$WORK/kernel-$KVER
if [ ! -f "$KDIR/.extracted" ]; then
  mkdir -p "$WORK/dl"
  if ! ls "$WORK/dl/${KPKG}_"*.deb >/dev/null 2>&1; then
    log "downloading $KPKG"
    (cd "$WORK/dl" && apt-get download -q "$KPKG" >&2) || die "apt-get download $KPKG failed"
  fi
  DEB=$(ls "$WORK/dl/${KPKG}_"*.deb | sort -V | tail -1)
  rm -rf "$KDIR"; mkdir -p "$KDIR"
  log "extracting $(basename "$DEB")"
  dpkg-deb -x "$DEB" "$KDIR"
  touch "$KDIR/.extracted"
fi
VMLINUZ=$KDIR/boot/vmlinuz-$KVER
[ -f "$VMLINUZ" ] || die "no $VMLINUZ in the package"
MODDIR=$KDIR/lib/modules/$KVER/kernel
[ -d "$MODDIR" ] || die "no module tree $MODDIR"

# nft for the deploy/scripts hooks (they mark the VIP's traffic for a `virtual_server fwmark`).
# Not needed on the host, so it is not installed there: its two .debs are downloaded like the
# kernel's and unpacked for the guest only (the libraries they need are the host's, found by ldd).
NFT_DIR=$WORK/nftables
if [ ! -x "$NFT_DIR/usr/sbin/nft" ]; then
  mkdir -p "$WORK/dl"
  if ! ls "$WORK/dl/"nftables_*.deb "$WORK/dl/"libnftables1_*.deb >/dev/null 2>&1; then
    log "downloading nftables libnftables1 (for the guest only)"
    (cd "$WORK/dl" && apt-get download -q nftables libnftables1 >&2) || die "apt-get download nftables libnftables1 failed"
  fi
  rm -rf "$NFT_DIR"; mkdir -p "$NFT_DIR"
  for d in "$WORK/dl/"nftables_*.deb "$WORK/dl/"libnftables1_*.deb; do dpkg-deb -x "$d" "$NFT_DIR"; done
  [ -x "$NFT_DIR/usr/sbin/nft" ] || die "no usr/sbin/nft in the nftables package"
fi

# ---------------------------------------------------------------- 2. stamp: skip if nothing changed
STAMP_TEXT="kernel=$KPKG node=$NODE_VERSION $(sha256sum "$NODE" | cut -c1-16) \
busybox=$(sha256sum "$BUSYBOX" | cut -c1-16) ipvsadm=$(sha256sum "$IPVSADM" | cut -c1-16) \
keepalived=$(sha256sum "$KEEPALIVED" | cut -c1-16) ip=$(sha256sum "$IPBIN" | cut -c1-16) \
bash=$(sha256sum "$BASH_BIN" | cut -c1-16) nft=$(sha256sum "$NFT_DIR/usr/sbin/nft" | cut -c1-16) \
scripts=$(cat "$0" "$ROOT/scripts/vm/init.sh" | sha256sum | cut -c1-16)"
if [ -f "$WORK/base.stamp" ] && [ "$(cat "$WORK/base.stamp")" = "$STAMP_TEXT" ] && [ -f "$WORK/base.cpio.lz4" ] && [ -f "$WORK/vmlinuz" ]; then
  log "up to date ($KPKG, node $NODE_VERSION)"
  exit 0
fi
rm -f "$WORK/base.stamp"

# ---------------------------------------------------------------- 3. modules in dependency order
# No depmod output ships in the .deb and no kmod is needed in the guest: each module's `depends=`
# comes from its .modinfo section and the list is resolved depth-first, then loaded with insmod.
WANT="nf_defrag_ipv4 nf_defrag_ipv6 libcrc32c nf_conntrack ip_vs
ip_vs_rr ip_vs_wrr ip_vs_wlc ip_vs_lc ip_vs_sh ip_vs_dh ip_vs_sed ip_vs_nq ip_vs_mh ip_vs_fo ip_vs_ovf ip_vs_lblc ip_vs_lblcr
ip_vs_pe_sip llc stp bridge veth nf_tables"
declare -A KO_PATH=()
while IFS= read -r f; do
  b=$(basename "$f" .ko); KO_PATH[${b//-/_}]=$f
done < <(find "$MODDIR" -name '*.ko')
ORDER=()
declare -A SEEN=()
add_mod() {
  local m=${1//-/_} deps d
  [ -n "${SEEN[$m]:-}" ] && return 0
  SEEN[$m]=1
  [ -n "${KO_PATH[$m]:-}" ] || die "module $m not found under $MODDIR"
  deps=$(tr '\0' '\n' < "${KO_PATH[$m]}" | sed -n 's/^depends=//p' | head -1)
  for d in ${deps//,/ }; do add_mod "$d"; done
  ORDER+=("$m")
}
for m in $WANT; do add_mod "$m"; done

# ---------------------------------------------------------------- 4. stage the root filesystem
STAGE=$WORK/base-root
rm -rf "$STAGE"
mkdir -p "$STAGE"/{bin,sbin,usr/bin,usr/sbin,lib64,lib/x86_64-linux-gnu,etc,proc,sys,dev,tmp,run,root,mods,app,www}
cp "$ROOT/scripts/vm/init.sh" "$STAGE/init"; chmod 755 "$STAGE/init"
cp "$BUSYBOX" "$STAGE/bin/busybox"
for a in $("$BUSYBOX" --list); do
  case "$a" in busybox|ip|init|ipvsadm) continue ;; esac
  [ -e "$STAGE/bin/$a" ] || ln -s busybox "$STAGE/bin/$a"
done
copy_with_libs() { # binary, destination path inside the stage
  install -D -m 755 "$1" "$STAGE/$2"
  ldd "$1" 2>/dev/null | awk '/=> \//{print $3} /^\t\/lib64/{print $1}' | while read -r lib; do
    [ -e "$STAGE$lib" ] || install -D -m 755 "$(readlink -f "$lib")" "$STAGE$lib"
  done
}
copy_with_libs "$IPBIN" /sbin/ip
copy_with_libs "$IPVSADM" /sbin/ipvsadm
copy_with_libs "$KEEPALIVED" /sbin/keepalived
# bash: the self-balancing article's hooks (`#!/bin/bash`) run unchanged in the guest.
copy_with_libs "$BASH_BIN" /bin/bash
# nft and libnftables from the unpacked .debs; the rest of its libraries from the host.
install -D -m 755 "$NFT_DIR/usr/sbin/nft" "$STAGE/usr/sbin/nft"
for l in "$NFT_DIR"/usr/lib/x86_64-linux-gnu/libnftables.so*; do cp -a "$l" "$STAGE/lib/x86_64-linux-gnu/"; done
LD_LIBRARY_PATH=$NFT_DIR/usr/lib/x86_64-linux-gnu ldd "$NFT_DIR/usr/sbin/nft" | grep -q 'not found' &&
  die "nft needs libraries the host lacks: $(LD_LIBRARY_PATH=$NFT_DIR/usr/lib/x86_64-linux-gnu ldd "$NFT_DIR/usr/sbin/nft" | grep 'not found' | tr -s ' \t\n' ' ')"
LD_LIBRARY_PATH=$NFT_DIR/usr/lib/x86_64-linux-gnu ldd "$NFT_DIR/usr/sbin/nft" | awk '/=> \/(lib|usr\/lib)\//{print $3}' | while read -r lib; do
  [ -e "$STAGE$lib" ] || install -D -m 755 "$(readlink -f "$lib")" "$STAGE$lib"
done
# The project's Node 24 (not the host's /usr/bin/node). Debug info stripped: same code, 18 MB less
# to unpack and page in under TCG.
install -D -m 755 "$NODE" "$STAGE/usr/local/bin/node"
if command -v strip >/dev/null; then strip --strip-debug "$STAGE/usr/local/bin/node"; fi
ldd "$NODE" | awk '/=> \//{print $3} /^\t\/lib64/{print $1}' | while read -r lib; do
  [ -e "$STAGE$lib" ] || install -D -m 755 "$(readlink -f "$lib")" "$STAGE$lib"
done
[ -e "$STAGE/lib64/ld-linux-x86-64.so.2" ] || install -D -m 755 "$(readlink -f /lib64/ld-linux-x86-64.so.2)" "$STAGE/lib64/ld-linux-x86-64.so.2"
for m in "${ORDER[@]}"; do cp "${KO_PATH[$m]}" "$STAGE/mods/$m.ko"; done
printf '%s\n' "${ORDER[@]}" > "$STAGE/mods/order"
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' > "$STAGE/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' > "$STAGE/etc/group"
printf '127.0.0.1 localhost\n::1 localhost\n' > "$STAGE/etc/hosts"
printf 'tcp 6/tcp\nudp 17/udp\nsctp 132/sctp\n' > "$STAGE/etc/protocols"
printf 'hosts: files\n' > "$STAGE/etc/nsswitch.conf"

# ---------------------------------------------------------------- 5. archive: newc cpio, lz4 legacy
# `lz4 -l`: the kernel's initramfs unpacker only knows the legacy lz4 format (frame format gives
# "invalid magic at start of compressed archive").
log "packing initramfs ($(du -sh "$STAGE" | cut -f1) staged, ${#ORDER[@]} modules)"
(cd "$STAGE" && find . | LC_ALL=C sort | "$BUSYBOX" cpio -o -H newc -R 0:0 2>/dev/null) | lz4 -l -q -f - "$WORK/base.cpio.lz4.tmp"
mv "$WORK/base.cpio.lz4.tmp" "$WORK/base.cpio.lz4"
cp "$VMLINUZ" "$WORK/vmlinuz"
echo "$KPKG" > "$WORK/kernel.pkg"
rm -rf "$STAGE"
echo "$STAMP_TEXT" > "$WORK/base.stamp"
log "ready: $KPKG, $(du -h "$WORK/base.cpio.lz4" | cut -f1) initramfs"
