# SPDX-License-Identifier: GPL-2.0
#
# vmprof: profile KVM guests from the host.
#
#   make              the module (against KDIR) and the vmprof tool
#   make check        install missing Debian packages, run every test
#   make check-vmx    install missing Debian packages, run the VMX lab:
#                     vmprof on Intel VT-x under Bochs (one boot, about
#                     2 minutes; make check runs it too)
#   make demo         install missing Debian packages, profile a Linux guest
#                     in the lab in both modes, print both reports
#   make bench        benchmarks against perf (not part of check)
#   make fuzz         fuzz data and symbol files longer than check does:
#                     FUZZ_SECONDS per libFuzzer target (default 300),
#                     AFL_SECONDS of AFL++ (default 300)
#   make deps         install missing Debian packages
#   make deps-matrix  also make the Debian 13 root (build/trixie) that the
#                     7.x kernel is built and booted from
#   make dkms-install add, build and install the module with DKMS
#   make install      the tool, man pages, completion and DKMS source
#
# KVER selects a kernel release; KDIR its build directory.  By default the
# running kernel's, else the newest installed one (said on stderr).
# V=1 shows the commands.

ifneq ($(KERNELRELEASE),)
# Invoked by Kbuild: the Kbuild file next to this one does the work.
include $(src)/Kbuild
else

KVER	?= $(shell scripts/kver.sh)
KDIR	?= /lib/modules/$(KVER)/build
VERSION	:= $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)
PREFIX	?= /usr/local
DESTDIR	?=

ifeq ($(V),1)
Q :=
else
Q := @
MAKEFLAGS += --no-print-directory
endif

all: module tools

module:
	$(Q)$(MAKE) -C $(KDIR) M=$(CURDIR) W=1 modules $(if $(Q),>/dev/null)

print-kdir:
	@echo $(KDIR)

tools:
	$(Q)$(MAKE) -C tools

guests:
	$(Q)$(MAKE) -C tests/guest
	$(Q)$(MAKE) -C tests/lab

deps:
	$(Q)scripts/install-deps

# The build and lab matrix needs Debian 13's backports kernel, compiler and
# QEMU, in a root of their own (never in the host's apt sources).
deps-matrix:
	$(Q)scripts/install-deps --trixie $(CURDIR)/build/trixie

check: deps-matrix
	$(Q)$(MAKE) check-run

check-run:
	$(Q)tests/run.sh

check-vmx: deps
	$(Q)$(MAKE) check-vmx-run

check-vmx-run: all guests
	$(Q)tests/vmx/check.sh

demo: deps
	$(Q)$(MAKE) demo-run

demo-run: all guests
	$(Q)tests/demo.sh

fuzz: deps
	$(Q)FUZZ_SECONDS=$(or $(FUZZ_SECONDS),300) \
		AFL_SECONDS=$(or $(AFL_SECONDS),300) bash tests/fuzz/run.sh

# The ioctl fuzzer in the lab alone (make check runs it with the rest).
fuzz-lab: all guests
	$(Q)LAB_TESTS=t_fuzz tests/lab/lab.sh --timeout 600 tests/lab/suite.sh

bench: deps
	$(Q)$(MAKE) all guests
	$(Q)bench/run.sh

dkms-install:
	$(Q)rm -rf /usr/src/vmprof-$(VERSION)
	$(Q)mkdir -p /usr/src/vmprof-$(VERSION)
	$(Q)cp -r Kbuild Makefile dkms.conf include kmod scripts /usr/src/vmprof-$(VERSION)/
	$(Q)$(MAKE) -C /usr/src/vmprof-$(VERSION) clean-module
	dkms add -m vmprof -v $(VERSION)
	dkms build -m vmprof -v $(VERSION) -k $(KVER)
	dkms install -m vmprof -v $(VERSION) -k $(KVER)

install: tools
	$(Q)install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
		$(DESTDIR)$(PREFIX)/share/man/man4 \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions
	$(Q)install -m 0755 tools/vmprof $(DESTDIR)$(PREFIX)/bin/vmprof
	$(Q)install -m 0644 docs/man/*.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	$(Q)install -m 0644 docs/man/*.4 $(DESTDIR)$(PREFIX)/share/man/man4/
	$(Q)install -m 0644 tools/completion/vmprof.bash \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions/vmprof
	$(Q)rm -rf $(DESTDIR)/usr/src/vmprof-$(VERSION)
	$(Q)mkdir -p $(DESTDIR)/usr/src/vmprof-$(VERSION)
	$(Q)cp -r Kbuild Makefile dkms.conf include kmod scripts \
		$(DESTDIR)/usr/src/vmprof-$(VERSION)/
	$(Q)$(MAKE) -C $(DESTDIR)/usr/src/vmprof-$(VERSION) KVER=none \
		clean-module

clean-module:
	$(Q)rm -f kmod/*.o kmod/*.ko kmod/*.mod kmod/*.mod.c kmod/.*.cmd \
		kmod/modules.order kmod/Module.symvers .*.cmd modules.order \
		Module.symvers
	$(Q)rm -rf kmod/generated

clean: clean-module
	$(Q)$(MAKE) -C tools clean
	$(Q)rm -rf tests/guest/build tests/lab/build tests/fuzz/build \
		tests/vmx/build

.PHONY: all module print-kdir fuzz-lab tools guests deps deps-matrix check \
	check-run check-vmx check-vmx-run demo demo-run bench fuzz \
	dkms-install install clean-module clean
endif
