// Package reliability holds the tests behind docs/reliability.md's fault table that need a whole `vika serve`
// process: the binary built from cmd/vika, the simulated Asterisk, a throwaway PostgreSQL that a test can stop
// (store/pgtemp), a spool directory, and callers placed with asterisksim/phone. Each test injects one fault —
// SIGTERM or SIGKILL mid-load, the database stopped or slow, the spool's disk full — and asserts what the table
// promises: no caller left in silence, no call or call-log event lost, the time to recover.
//
// The package has no code of its own outside its tests. Faults that need no process of their own are tested where
// they live (ivr/faults_test.go, ivr/dbdown_test.go, ivr/drain_test.go, store/calllog_spool_test.go); the table
// names each test.
package reliability
