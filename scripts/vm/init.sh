#!/bin/sh
# /init of the VM-tier initramfs (scripts/vm/prepare.sh puts it there). It mounts the pseudo
# filesystems, loads the IPVS modules in the dependency order prepare.sh computed, runs
# /payload.sh (from the small per-run archive that scripts/vm/run.ts prepends) in /app, prints the
# exit marker the host waits for on ttyS0 and powers off (qemu -no-reboot then exits).
export PATH=/usr/local/bin:/sbin:/bin:/usr/sbin:/usr/bin HOME=/root TERM=dumb
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t tmpfs tmp /tmp
mount -t tmpfs run /run
mkdir -p /dev/shm /run/netns /var /root
ln -sf /run /var/run
mount -t tmpfs shm /dev/shm
echo "@@BOOT uptime=$(cut -d' ' -f1 /proc/uptime)@@"
for m in $(cat /mods/order); do
  insmod "/mods/$m.ko" 2>/dev/null || echo "@@WARN insmod $m failed@@"
done
/sbin/ip link set lo up
echo "@@MODS uptime=$(cut -d' ' -f1 /proc/uptime)@@"
rc=99
if [ -f /payload.sh ]; then
  cd /app 2>/dev/null || cd /
  sh /payload.sh
  rc=$?
else
  echo "@@WARN no /payload.sh@@"
fi
sync
echo "@@EXIT=$rc@@"
poweroff -f
