package main

import (
	"net/http"
	"net/http/httptest"
	"runtime"
	"testing"

	"github.com/spf13/cobra"

	"github.com/vika-jkn/vika/admin"
)

func TestTheProfilerIsOnTheAdminAddressOnlyWhenAdminPprofIsTrue(t *testing.T) {
	t.Cleanup(func() { runtime.SetBlockProfileRate(0); runtime.SetMutexProfileFraction(0) })
	cases := []struct {
		name    string
		enabled bool
		path    string
		want    int
	}{
		{"off by default: no index", false, "/debug/pprof/", http.StatusNotFound},
		{"off by default: no CPU profile", false, "/debug/pprof/profile?seconds=1", http.StatusNotFound},
		{"on: the index", true, "/debug/pprof/", http.StatusOK},
		{"on: a heap profile", true, "/debug/pprof/heap", http.StatusOK},
		{"on: the command line", true, "/debug/pprof/cmdline", http.StatusOK},
		{"on: where goroutines block", true, "/debug/pprof/block", http.StatusOK},
		{"on: mutex contention", true, "/debug/pprof/mutex", http.StatusOK},
		{"on: metrics still served", true, "/metrics", http.StatusOK},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := admin.NewHandler()
			mountPprof(c.enabled, h)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, c.path, nil))
			if rec.Code != c.want {
				t.Fatalf("GET %s: %d, want %d", c.path, rec.Code, c.want)
			}
		})
	}
}

func TestWithTheProfilerOnBlockingAndMutexContentionAreSampled(t *testing.T) {
	t.Cleanup(func() { runtime.SetBlockProfileRate(0); runtime.SetMutexProfileFraction(0) })
	mountPprof(true, admin.NewHandler())
	if got := runtime.SetMutexProfileFraction(-1); got != mutexFraction {
		t.Errorf("mutex profile fraction %d, want %d: /debug/pprof/mutex would be empty", got, mutexFraction)
	}
}

func TestAdminPprofIsFalseByDefaultAndSetFromVIKA_ADMIN_PPROF(t *testing.T) {
	cases := []struct {
		name string
		env  string // "" = unset
		want bool
	}{
		{"unset", "", false},
		{"true", "true", true},
		{"false", "false", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.env != "" {
				t.Setenv("VIKA_ADMIN_PPROF", c.env)
			}
			a := newApp()
			cmd := &cobra.Command{}
			cmd.Flags().String("config", "", "")
			if err := a.load(cmd); err != nil {
				t.Fatal(err)
			}
			if a.cfg.Admin.Pprof != c.want {
				t.Fatalf("admin.pprof = %v, want %v", a.cfg.Admin.Pprof, c.want)
			}
		})
	}
}
