echo hello from lab; uname -r; ls -la /dev/kvm; lsmod | head; insmod /work/main/kmod/vmprof.ko && ls -la /dev/vmprof && cat /sys/kernel/debug/vmprof/objects && rmmod vmprof; dmesg | tail -5
