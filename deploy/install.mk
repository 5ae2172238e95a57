# make install / make uninstall for VIKA. The Makefile includes this file (include deploy/install.mk).
#
#   make install                       # /usr/local/bin/vika, units, prompts, /etc/vika (as root)
#   make install DESTDIR=/tmp/stage    # staged, for a package
#   make install PREFIX=/usr ASTERISK_SOUNDS=/var/lib/asterisk/sounds
#
# It installs the binary, the systemd units (deploy/systemd, with the paths below filled in) and the dedicated user
# (sysusers.d), the prompts into Asterisk's sounds directory (<sounds>/<lang>/vika/<id>.<format>), and, only where
# none exists yet, /etc/vika/vika.yaml and /etc/vika/vika.env (secrets, 0640 root:vika). It starts nothing.

PREFIX          ?= /usr/local
DESTDIR         ?=
BINDIR          ?= $(PREFIX)/bin
SYSCONFDIR      ?= /etc
UNITDIR         ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR     ?= $(PREFIX)/lib/sysusers.d
DOCDIR          ?= $(PREFIX)/share/doc/vika
# Debian's asterisk package: astdatadir /usr/share/asterisk, sounds in /usr/share/asterisk/sounds.
ASTERISK_SOUNDS ?= /usr/share/asterisk/sounds
# Every format `make prompts` built (build/sounds) when it exists, else the committed WAVs.
PROMPTS_SRC     ?= $(if $(wildcard build/sounds/id/vika),build/sounds,prompts/sounds)
VIKA_BIN        ?= bin/vika
UNITS           := vika.service vika-console.service

.PHONY: install install-files uninstall

install: build install-files
	@echo
	@echo "installed. Next, as root:"
	@echo "  systemd-sysusers && systemctl daemon-reload"
	@echo "  edit $(SYSCONFDIR)/vika/vika.yaml and $(SYSCONFDIR)/vika/vika.env"
	@echo "  sudo -u vika $(BINDIR)/vika doctor --config $(SYSCONFDIR)/vika/vika.yaml   # with the env file loaded"
	@echo "  systemctl enable --now vika vika-console"

install-files:
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSUSERSDIR) $(DESTDIR)$(DOCDIR) \
		$(DESTDIR)$(SYSCONFDIR)/vika $(DESTDIR)$(ASTERISK_SOUNDS)
	install -m 0755 $(VIKA_BIN) $(DESTDIR)$(BINDIR)/vika
	for u in $(UNITS); do \
		sed -e 's#@BINDIR@#$(BINDIR)#g' -e 's#@SYSCONFDIR@#$(SYSCONFDIR)#g' deploy/systemd/$$u > $(DESTDIR)$(UNITDIR)/$$u && \
		chmod 0644 $(DESTDIR)$(UNITDIR)/$$u || exit 1; \
	done
	install -m 0644 deploy/systemd/vika.sysusers.conf $(DESTDIR)$(SYSUSERSDIR)/vika.conf
	cd $(PROMPTS_SRC) && find . -path './*/vika/*' -type f | while read -r f; do \
		install -D -m 0644 "$$f" "$(DESTDIR)$(ASTERISK_SOUNDS)/$$f" || exit 1; \
	done
	install -m 0644 README.md vika.example.yaml $(DESTDIR)$(DOCDIR)/
	test -e $(DESTDIR)$(SYSCONFDIR)/vika/vika.yaml || install -m 0644 vika.example.yaml $(DESTDIR)$(SYSCONFDIR)/vika/vika.yaml
	test -e $(DESTDIR)$(SYSCONFDIR)/vika/vika.env || \
		sed -e 's#@SYSCONFDIR@#$(SYSCONFDIR)#g' deploy/systemd/vika.env.example > $(DESTDIR)$(SYSCONFDIR)/vika/vika.env
	chmod 0640 $(DESTDIR)$(SYSCONFDIR)/vika/vika.env
	-[ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ] && getent group vika >/dev/null && chgrp vika $(SYSCONFDIR)/vika/vika.env

# Leaves /etc/vika (configuration and secrets) and /var/lib/vika (the call-log spool) in place.
uninstall:
	rm -f $(DESTDIR)$(BINDIR)/vika $(DESTDIR)$(SYSUSERSDIR)/vika.conf
	for u in $(UNITS); do rm -f $(DESTDIR)$(UNITDIR)/$$u; done
	rm -rf $(DESTDIR)$(ASTERISK_SOUNDS)/*/vika $(DESTDIR)$(DOCDIR)
