package prompts

import (
	"bytes"
	_ "embed"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

//go:embed catalogue.yaml
var catalogueYAML []byte

// Entry is one prompt of the catalogue.
type Entry struct {
	ID   string `yaml:"-"`
	Text string `yaml:"text"` // what the caller hears, as written Indonesian
	Say  string `yaml:"say"`  // the same words spelled for the synthesiser, when Text reads badly
	Note string `yaml:"note"` // for reviewers and voice talent; never spoken
}

// Spoken is the text the synthesiser is given: Say when set, else Text.
func (e Entry) Spoken() string {
	if e.Say != "" {
		return e.Say
	}
	return e.Text
}

// Cat is a loaded, validated catalogue. It is read-only and safe for concurrent use.
type Cat struct {
	entries []Entry // in file order, so builds and manifests read like the file
	byID    map[string]int
}

var idPattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// Catalogue is the catalogue embedded in the binary. It panics if the embedded file is invalid: the tests load the
// same bytes, so a broken catalogue never gets past `go test`.
func Catalogue() *Cat { return embedded() }

var embedded = sync.OnceValue(func() *Cat {
	c, err := ParseCatalogue(catalogueYAML)
	if err != nil {
		panic("prompts: embedded catalogue.yaml: " + err.Error())
	}
	return c
})

// ParseCatalogue reads a catalogue in the format of catalogue.yaml and validates every entry.
func ParseCatalogue(data []byte) (*Cat, error) {
	var doc yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&doc); err != nil {
		return nil, fmt.Errorf("parse catalogue: %w", err)
	}
	if len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, fmt.Errorf("parse catalogue: expected a mapping of prompt id to entry")
	}
	root := doc.Content[0]
	c := &Cat{byID: make(map[string]int, len(root.Content)/2)}
	for i := 0; i+1 < len(root.Content); i += 2 {
		e, err := parseEntry(root.Content[i], root.Content[i+1])
		if err != nil {
			return nil, err
		}
		if _, dup := c.byID[e.ID]; dup {
			return nil, fmt.Errorf("catalogue line %d: prompt %q defined twice", root.Content[i].Line, e.ID)
		}
		c.byID[e.ID] = len(c.entries)
		c.entries = append(c.entries, e)
	}
	return c, nil
}

func parseEntry(key, val *yaml.Node) (Entry, error) {
	id := key.Value
	if !idPattern.MatchString(id) {
		return Entry{}, fmt.Errorf("catalogue line %d: prompt id %q is not lowercase kebab-case", key.Line, id)
	}
	if err := knownFields(key, val); err != nil {
		return Entry{}, err
	}
	var e Entry
	if err := val.Decode(&e); err != nil {
		return Entry{}, fmt.Errorf("catalogue line %d: prompt %q: %w", key.Line, id, err)
	}
	e.ID = id
	e.Text = strings.Join(strings.Fields(e.Text), " ")
	e.Say = strings.Join(strings.Fields(e.Say), " ")
	if e.Text == "" {
		return Entry{}, fmt.Errorf("catalogue line %d: prompt %q has no text", key.Line, id)
	}
	return e, nil
}

// knownFields rejects a misspelt field ("txt:"), which would otherwise leave a prompt silently without text or note.
// (yaml's KnownFields applies to Decoder.Decode, not to decoding a node.)
func knownFields(key, val *yaml.Node) error {
	if val.Kind != yaml.MappingNode {
		return fmt.Errorf("catalogue line %d: prompt %q: expected {text: ..., say: ..., note: ...}", key.Line, key.Value)
	}
	for i := 0; i < len(val.Content); i += 2 {
		switch f := val.Content[i].Value; f {
		case "text", "say", "note":
		default:
			return fmt.Errorf("catalogue line %d: prompt %q: unknown field %q (expected text, say, note)",
				val.Content[i].Line, key.Value, f)
		}
	}
	return nil
}

// Text is the written Indonesian of one prompt.
func (c *Cat) Text(id string) (string, bool) {
	i, ok := c.byID[id]
	if !ok {
		return "", false
	}
	return c.entries[i].Text, true
}

// Entry is one prompt with its synthesiser text and note.
func (c *Cat) Entry(id string) (Entry, bool) {
	i, ok := c.byID[id]
	if !ok {
		return Entry{}, false
	}
	return c.entries[i], true
}

// Has reports whether the catalogue defines id.
func (c *Cat) Has(id string) bool {
	_, ok := c.byID[id]
	return ok
}

// IDs lists every prompt id in catalogue order.
func (c *Cat) IDs() []string {
	ids := make([]string, len(c.entries))
	for i, e := range c.entries {
		ids[i] = e.ID
	}
	return ids
}

// Entries lists every prompt in catalogue order.
func (c *Cat) Entries() []Entry { return append([]Entry(nil), c.entries...) }

// Missing lists the ids, in the order given, that the catalogue does not define (each once).
func (c *Cat) Missing(ids ...string) []string {
	var missing []string
	seen := map[string]bool{}
	for _, id := range ids {
		if !c.Has(id) && !seen[id] {
			seen[id] = true
			missing = append(missing, id)
		}
	}
	return missing
}

// Text renders a sequence of prompt ids as one line of readable Indonesian, as the caller would hear it: the demo's
// terminal phone and the tests show this. An id the catalogue lacks shows as [id] rather than vanishing, so a gap
// in the catalogue is visible where it happens.
func Text(ids []string) string { return Catalogue().Render(ids) }

// Render is Text against this catalogue. A sentence that follows an unfinished word run ("... kelas tiga" then
// "Iuran bulan ini ...") gets the full stop the ear hears there.
func (c *Cat) Render(ids []string) string {
	var b strings.Builder
	for _, id := range ids {
		t, ok := c.Text(id)
		if !ok {
			t = "[" + id + "]"
		}
		if b.Len() > 0 {
			if startsSentence(id, t) && endsInWord(b.String()) {
				b.WriteByte('.')
			}
			b.WriteByte(' ')
		}
		b.WriteString(t)
	}
	return b.String()
}

// IsWord reports whether id is one of the words readouts are built from (num-*, word-*, month-*, day-*), as
// opposed to a sentence or sentence fragment of the flow.
func IsWord(id string) bool {
	for _, p := range []string{"num-", "word-", "month-", "day-"} {
		if strings.HasPrefix(id, p) {
			return true
		}
	}
	return false
}

func startsSentence(id, text string) bool {
	return !IsWord(id) && text != "" && unicode.IsUpper([]rune(text)[0])
}

func endsInWord(s string) bool {
	r, _ := utf8.DecodeLastRuneInString(s)
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}
