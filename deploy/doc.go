// Package deploy holds what an operator installs beside the binary: the systemd units (systemd/), the make install
// recipe (install.mk), the Prometheus alert rules (prometheus/) and the Grafana dashboard (grafana/). It has no
// code; its tests install into a scratch directory and check the units with systemd-analyze verify.
package deploy
