package main

import (
	"errors"
	"math"
	"strconv"
	"strings"

	"github.com/spf13/viper"
)

// intKeys are the integer settings. mapstructure wraps a number too big for an int into a negative one, and the
// message then named a value nobody typed; these are read as typed first.
var intKeys = []string{"database.max_conns", "ari.max_conns"}

// checkIntKeys reports an integer setting that does not fit an int, with the value as given.
func checkIntKeys(v *viper.Viper) error {
	for _, key := range intKeys {
		var typed string
		switch raw := v.Get(key).(type) {
		case string:
			typed = strings.TrimSpace(raw)
		case float64: // a YAML or JSON number beyond int64
			if raw >= -(1<<63) && raw < 1<<63 && raw == math.Trunc(raw) {
				continue
			}
			typed = strconv.FormatFloat(raw, 'f', -1, 64)
		case uint64:
			if raw <= math.MaxInt {
				continue
			}
			typed = strconv.FormatUint(raw, 10)
		default:
			continue
		}
		if _, err := strconv.Atoi(typed); errors.Is(err, strconv.ErrRange) {
			return badKey(key, "%s is out of range (expected %s)", typed, intRange[key])
		}
	}
	return nil
}

var intRange = map[string]string{"database.max_conns": "1..1000", "ari.max_conns": "1..1000"}
