package main

import (
	"fmt"
	"os"
	"reflect"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

// unknownKey reports the first key in the YAML file at path that no Config field reads, with the closest known key:
// viper ignores such a key, so a typo (pasword:, databse:) would otherwise surface as the real key being missing.
func unknownKey(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil // ReadInConfig has already said why
	}
	var doc map[string]any
	if err := yaml.Unmarshal(b, &doc); err != nil || doc == nil {
		return nil
	}
	known := knownKeys(reflect.TypeOf(Config{}), "")
	var found []string
	flattenKeys(doc, "", known, &found)
	if len(found) == 0 {
		return nil
	}
	sort.Strings(found)
	what := "unknown key in " + path + guess(found[0], known)
	if len(found) > 1 {
		var more []string
		for _, k := range found[1:] {
			more = append(more, k+guess(k, known))
		}
		what += "; also unknown: " + strings.Join(more, ", ")
	}
	return &ConfigError{Key: found[0], What: what}
}

// knownKeys are the dotted keys of t's mapstructure tags; a struct's own key is known too (a section), and a field
// that is not a struct (a list such as ari.nodes) ends the path.
func knownKeys(t reflect.Type, prefix string) map[string]bool {
	out := map[string]bool{}
	for i := range t.NumField() {
		f := t.Field(i)
		tag := strings.Split(f.Tag.Get("mapstructure"), ",")[0]
		if tag == "" || tag == "-" {
			continue
		}
		key := prefix + tag
		out[key] = true
		if f.Type.Kind() == reflect.Struct && f.Type.String() != "time.Duration" {
			for k := range knownKeys(f.Type, key+".") {
				out[k] = true
			}
		}
	}
	return out
}

func flattenKeys(m map[string]any, prefix string, known map[string]bool, found *[]string) {
	for k, v := range m {
		key := prefix + strings.ToLower(k)
		if !known[key] {
			*found = append(*found, key)
			continue
		}
		if sub, ok := v.(map[string]any); ok {
			flattenKeys(sub, key+".", known, found)
		}
	}
}

func guess(key string, known map[string]bool) string {
	if s := closest(key, known); s != "" {
		return fmt.Sprintf(" (did you mean %s?)", s)
	}
	return ""
}

// closest is the known key with the smallest edit distance to key, if it is close enough to be a typo.
func closest(key string, known map[string]bool) string {
	best, bestD := "", 4
	for k := range known {
		if d := editDistance(key, k); d < bestD || (d == bestD && k < best) {
			best, bestD = k, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}
