// Package extconf reads the part of Asterisk's extensions.conf that people actually write (contexts,
// exten/same lines with numbered, "n" and labelled priorities, include =>, patterns, [globals], #include)
// and walks a dialled number through it the way pbx.c does, so that the simulated Asterisk routes calls
// with the project's own asterisk-conf/extensions.conf instead of a copy of its logic.
//
// It owns the dialplan as data and the walk from a (context, exten, priority) to the next Stasis, Hangup or
// dead end. It does not run applications, keep channels or time anything: the simulator does that with the
// steps it gets back.
package extconf

import (
	"bufio"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
)

// Dialplan is a parsed extensions.conf with everything it #included.
type Dialplan struct {
	Contexts map[string]*Context
	Globals  map[string]string // [globals]: visible as ${NAME} in every walk
	Files    []string          // every file read, the main one first
	// Rand is ${RAND(min,max)}: an integer from min to max inclusive, as func_rand gives (the dialplan spreads
	// calls over several app instances with it). Nil means math/rand; a test sets it to walk one branch.
	Rand func(min, max int) int
}

// Context is one [name] section. A context may be opened again further down or in another file;
// its extensions then accumulate, as in Asterisk.
type Context struct {
	Name     string
	Pos      Pos
	Extens   []*Extension // in file order; matching picks exact before pattern, then the most specific pattern
	Includes []string     // include => targets, searched in order after the context's own extensions
}

// Extension is one exten name (literal or _pattern) with its priorities.
type Extension struct {
	Name       string // as written, e.g. "165" or "_0XXX!"
	Priorities []*Priority
	byNumber   map[int]*Priority
	labels     map[string]int
}

// Priority is one dialplan line: exten => name,prio(label),App(data).
type Priority struct {
	Number int
	Label  string
	App    string
	Data   string // raw text between the outer parentheses, variables not yet substituted
	Pos    Pos
}

// Pos names where a line came from, for errors a person can act on.
type Pos struct {
	File string
	Line int
}

func (p Pos) String() string { return fmt.Sprintf("%s:%d", p.File, p.Line) }

// Parse reads an extensions.conf from disk; #include paths are relative to the including file.
func Parse(file string) (*Dialplan, error) {
	dir, base := filepath.Split(file)
	if dir == "" {
		dir = "."
	}
	return ParseFS(os.DirFS(dir), base)
}

// ParseFS reads name (and what it #includes) from fsys; useful with an embedded asterisk-conf.
func ParseFS(fsys fs.FS, name string) (*Dialplan, error) {
	p := &parser{fsys: fsys, dp: &Dialplan{Contexts: map[string]*Context{}, Globals: map[string]string{}}}
	if err := p.file(name, 0); err != nil {
		return nil, err
	}
	return p.dp, nil
}

type parser struct {
	fsys fs.FS
	dp   *Dialplan

	section  string   // current [section]; "general" and "globals" are not contexts
	ctx      *Context // current context, nil outside one
	lastExt  *Extension
	lastPrio int
}

// maxIncludeDepth stops #include loops the way Asterisk's config loader refuses them.
const maxIncludeDepth = 16

func (p *parser) file(name string, depth int) error {
	if depth > maxIncludeDepth {
		return fmt.Errorf("%s: #include nested too deep (loop?)", name)
	}
	f, err := p.fsys.Open(name)
	if err != nil {
		return fmt.Errorf("extconf: %w", err)
	}
	defer f.Close()
	p.dp.Files = append(p.dp.Files, name)

	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	inBlock := false // inside ;-- ... --;
	for n := 1; sc.Scan(); n++ {
		pos := Pos{File: name, Line: n}
		var line string
		line, inBlock = stripComment(sc.Text(), inBlock)
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if err := p.line(line, pos, depth); err != nil {
			return fmt.Errorf("%s: %w", pos, err)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

func (p *parser) line(line string, pos Pos, depth int) error {
	switch {
	case strings.HasPrefix(line, "#"):
		return p.directive(line, pos, depth)
	case strings.HasPrefix(line, "["):
		return p.sectionHeader(line, pos)
	}
	key, value, ok := splitAssign(line)
	if !ok {
		return fmt.Errorf("expected name => value, got %q", line)
	}
	switch p.section {
	case "":
		return fmt.Errorf("%q outside any [context]", line)
	case "general":
		return nil // static, writeprotect, autofallthrough...: the walk behaves as autofallthrough=yes
	case "globals":
		p.dp.Globals[key] = value
		return nil
	}
	switch strings.ToLower(key) {
	case "exten":
		return p.exten(value, pos)
	case "same":
		return p.same(value, pos)
	case "include":
		p.ctx.Includes = append(p.ctx.Includes, strings.TrimSpace(value))
		return nil
	case "switch", "ignorepat", "lswitch", "eswitch":
		return nil // not used for routing Local channels
	}
	return fmt.Errorf("unknown dialplan keyword %q", key)
}

// directive handles #include "file" (and #tryinclude). Paths are relative to the including file;
// a glob includes every match, as Asterisk's config loader does.
func (p *parser) directive(line string, pos Pos, depth int) error {
	word, arg, _ := strings.Cut(line, " ")
	arg = strings.Trim(strings.TrimSpace(arg), `"<>`)
	switch word {
	case "#include", "#tryinclude":
	default:
		return fmt.Errorf("unsupported directive %s", word)
	}
	if arg == "" {
		return fmt.Errorf("%s without a file name", word)
	}
	target := path.Join(path.Dir(pos.File), filepath.ToSlash(arg))
	if path.IsAbs(arg) || strings.HasPrefix(filepath.ToSlash(arg), "/") {
		return fmt.Errorf("%s of absolute path %q: only paths relative to the including file are supported", word, arg)
	}
	matches, err := fs.Glob(p.fsys, target)
	if err != nil {
		return err
	}
	if len(matches) == 0 {
		if word == "#tryinclude" {
			return nil
		}
		return fmt.Errorf("#include %q: no such file", arg)
	}
	for _, m := range matches {
		if err := p.file(m, depth+1); err != nil {
			return err
		}
	}
	return nil
}

func (p *parser) sectionHeader(line string, pos Pos) error {
	end := strings.IndexByte(line, ']')
	if end < 0 {
		return fmt.Errorf("unterminated section header %q", line)
	}
	name := strings.TrimSpace(line[1:end])
	if name == "" {
		return fmt.Errorf("empty section name")
	}
	p.section, p.lastExt = name, nil
	if name == "general" || name == "globals" {
		p.ctx = nil
		return nil
	}
	// [name](options) - templates (!) and appends (+) only matter for inheritance, which we treat as reopen.
	c, ok := p.dp.Contexts[name]
	if !ok {
		c = &Context{Name: name, Pos: pos}
		p.dp.Contexts[name] = c
	}
	p.ctx = c
	return nil
}

// exten handles "name,prio[(label)],App(data)".
func (p *parser) exten(value string, pos Pos) error {
	name, rest, ok := strings.Cut(value, ",")
	if !ok {
		return fmt.Errorf("exten without a priority: %q", value)
	}
	name = strings.TrimSpace(name)
	if name == "" {
		return fmt.Errorf("exten with an empty name")
	}
	if i := strings.IndexByte(name, '/'); i >= 0 {
		return fmt.Errorf("caller-id matching (%q) is not supported", name)
	}
	ext := p.ctx.extension(name)
	if p.lastExt != ext {
		p.lastExt, p.lastPrio = ext, lastNumber(ext)
	}
	return p.priority(ext, rest, pos)
}

func (p *parser) same(value string, pos Pos) error {
	if p.lastExt == nil {
		return fmt.Errorf("same => without a preceding exten => in this context")
	}
	return p.priority(p.lastExt, value, pos)
}

func (p *parser) priority(ext *Extension, value string, pos Pos) error {
	prioText, appText, ok := strings.Cut(value, ",")
	if !ok {
		return fmt.Errorf("priority without an application: %q", value)
	}
	prioText = strings.TrimSpace(prioText)
	if strings.EqualFold(prioText, "hint") {
		return nil // device-state hints are not dialplan steps
	}
	label := ""
	if i := strings.IndexByte(prioText, '('); i >= 0 {
		if !strings.HasSuffix(prioText, ")") {
			return fmt.Errorf("bad priority label in %q", prioText)
		}
		label, prioText = prioText[i+1:len(prioText)-1], prioText[:i]
	}
	num, err := p.priorityNumber(ext, prioText)
	if err != nil {
		return err
	}
	if prev, dup := ext.byNumber[num]; dup {
		return fmt.Errorf("priority %d of %s already defined at %s", num, ext.Name, prev.Pos)
	}
	app, data := splitApp(strings.TrimSpace(appText))
	pr := &Priority{Number: num, Label: label, App: app, Data: data, Pos: pos}
	ext.add(pr)
	if label != "" {
		if _, dup := ext.labels[label]; dup {
			return fmt.Errorf("label %q of %s defined twice", label, ext.Name)
		}
		ext.labels[label] = num
	}
	p.lastExt, p.lastPrio = ext, num
	return nil
}

// priorityNumber accepts a number, "n" (one after the last line of this extension) and "n+k"/"s"-less forms.
func (p *parser) priorityNumber(ext *Extension, s string) (int, error) {
	switch {
	case s == "n":
		return p.lastPrio + 1, nil
	case strings.HasPrefix(s, "n+"):
		k, err := strconv.Atoi(s[2:])
		if err != nil || k < 1 {
			return 0, fmt.Errorf("bad priority %q", s)
		}
		return p.lastPrio + k, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return 0, fmt.Errorf("bad priority %q (want a number >= 1, n, or n(label))", s)
	}
	return n, nil
}

func lastNumber(e *Extension) int {
	if len(e.Priorities) == 0 {
		return 0
	}
	return e.Priorities[len(e.Priorities)-1].Number
}

func (c *Context) extension(name string) *Extension {
	for _, e := range c.Extens {
		if e.Name == name {
			return e
		}
	}
	e := &Extension{Name: name, byNumber: map[int]*Priority{}, labels: map[string]int{}}
	c.Extens = append(c.Extens, e)
	return e
}

// add keeps Priorities sorted by number, since a file may define them out of order.
func (e *Extension) add(pr *Priority) {
	e.byNumber[pr.Number] = pr
	i := len(e.Priorities)
	e.Priorities = append(e.Priorities, pr)
	for i > 0 && e.Priorities[i-1].Number > pr.Number {
		e.Priorities[i], e.Priorities[i-1] = e.Priorities[i-1], e.Priorities[i]
		i--
	}
}

// Priority returns the line with number n, if any.
func (e *Extension) Priority(n int) (*Priority, bool) {
	p, ok := e.byNumber[n]
	return p, ok
}

// Label returns the priority number a label names.
func (e *Extension) Label(label string) (int, bool) {
	n, ok := e.labels[label]
	return n, ok
}

// splitAssign splits "key => value" or "key = value".
func splitAssign(line string) (key, value string, ok bool) {
	i := strings.IndexByte(line, '=')
	if i <= 0 {
		return "", "", false
	}
	key = strings.TrimSpace(line[:i])
	value = line[i+1:]
	value = strings.TrimPrefix(value, ">")
	return key, strings.TrimSpace(value), key != ""
}

// splitApp splits "App(data)" into App and data; "App" alone has empty data. The data is everything up to
// the last ')' so nested calls like Set(X=${CUT(a,,1)}) survive.
func splitApp(s string) (app, data string) {
	i := strings.IndexByte(s, '(')
	if i < 0 {
		// Old "App,data" syntax.
		app, data, _ = strings.Cut(s, ",")
		return strings.TrimSpace(app), strings.TrimSpace(data)
	}
	app = strings.TrimSpace(s[:i])
	data = s[i+1:]
	if j := strings.LastIndexByte(data, ')'); j >= 0 {
		data = data[:j]
	}
	return app, data
}

// stripComment removes ; comments (\; is a literal semicolon) and ;-- block --; comments.
func stripComment(line string, inBlock bool) (string, bool) {
	var b strings.Builder
	for i := 0; i < len(line); i++ {
		if inBlock {
			if strings.HasPrefix(line[i:], "--;") {
				inBlock = false
				i += 2
			}
			continue
		}
		c := line[i]
		switch {
		case c == '\\' && i+1 < len(line) && line[i+1] == ';':
			b.WriteByte(';')
			i++
		case strings.HasPrefix(line[i:], ";--"):
			inBlock = true
			i += 2
		case c == ';':
			return b.String(), false
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), inBlock
}
