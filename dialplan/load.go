package dialplan

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"os"

	"go.yaml.in/yaml/v3"

	"github.com/vika-jkn/vika/prompts"
)

//go:embed default.yaml
var defaultYAML []byte

// PromptSet says which prompt ids exist. *prompts.Cat satisfies it; tests may pass a smaller set.
type PromptSet interface {
	Has(id string) bool
}

// Default returns the embedded default flow, validated against the prompt catalogue.
func Default() (*Flow, error) {
	f, err := Parse(defaultYAML, prompts.Catalogue())
	if err != nil {
		return nil, fmt.Errorf("dialplan: embedded default.yaml: %w", err)
	}
	return f, nil
}

// Load reads a flow file, or the embedded default when path is empty, and validates it against the prompt
// catalogue.
func Load(path string) (*Flow, error) {
	if path == "" {
		return Default()
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("dialplan: %w", err)
	}
	f, err := Parse(data, prompts.Catalogue())
	if err != nil {
		return nil, fmt.Errorf("dialplan: %s: %w", path, err)
	}
	return f, nil
}

// DefaultYAML is the embedded default flow as text, for operators who want a starting point for their own file.
func DefaultYAML() []byte { return bytes.Clone(defaultYAML) }

// Parse decodes a flow and validates it: every prompt id must be in known, every menu reachable from an entry, every
// key unique within its menu, every timeout set. Unknown fields are errors too, so a typo never silently falls back to
// a zero value. All problems are reported together, each naming its place.
func Parse(data []byte, known PromptSet) (*Flow, error) {
	var f Flow
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	for name, m := range f.Menus {
		if m == nil {
			f.Menus[name] = &Menu{}
			m = f.Menus[name]
		}
		m.Name = name
	}
	v := &validator{known: known}
	v.flow(&f)
	if len(v.errs) > 0 {
		return nil, errors.Join(v.errs...)
	}
	return &f, nil
}
