package jkn_test

import (
	"testing"

	"github.com/vika-jkn/vika/jkn"
)

func TestClassifyID(t *testing.T) {
	tests := []struct {
		name   string
		digits string
		want   jkn.IDKind
	}{
		{"sixteen digits are a NIK", "3507014501900003", jkn.IDNIK},
		{"thirteen digits are a card number", "0001944358911", jkn.IDCard},
		{"fifteen digits are neither", "350701450190000", jkn.IDUnknown},
		{"twelve digits are neither", "000194435891", jkn.IDUnknown},
		{"nothing keyed is neither", "", jkn.IDUnknown},
		{"thirteen characters with a star are neither", "0001944*58911", jkn.IDUnknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := jkn.ClassifyID(tt.digits); got != tt.want {
				t.Fatalf("ClassifyID = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestMask(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"a NIK keeps its first and last four digits", "3507014501900003", "3507********0003"},
		{"a card number keeps its first and last four digits", "0001944358911", "0001*****8911"},
		{"a phone number keeps its first and last four digits", "081234567890", "0812****7890"},
		{"nine characters show one star", "123456789", "1234*6789"},
		{"eight characters are hidden entirely", "12345678", "********"},
		{"a short entry is hidden entirely", "123", "***"},
		{"nothing stays nothing", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := jkn.Mask(tt.in); got != tt.want {
				t.Fatalf("Mask(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestHashIDIsKeyedAndStable(t *testing.T) {
	a := jkn.HashID([]byte("key-1"), "3507014501900003")
	if len(a) != 64 {
		t.Fatalf("hash %q is not 64 hex characters", a)
	}
	if a != jkn.HashID([]byte("key-1"), "3507014501900003") {
		t.Fatal("the same key and number must give the same hash, or supervisors cannot search by it")
	}
	if a == jkn.HashID([]byte("key-2"), "3507014501900003") {
		t.Fatal("another key must give another hash")
	}
	if a == jkn.HashID([]byte("key-1"), "3507014501900004") {
		t.Fatal("another number must give another hash")
	}
}
