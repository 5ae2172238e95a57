package prompts

import (
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/vika-jkn/vika/jkn"
)

// The catalogue must hold every prompt the flow plays, and nothing the flow never plays (a dead prompt still costs
// a recording session and a file on every Asterisk). What the flow plays is found where it is written down:
//   - dialplan/default.yaml: every string list except `days` and `holidays` is a list of prompt ids;
//   - the Go code of ivr, dialplan and cmd/vika: string literals equal to a catalogue id, or a prefix such as
//     "status-" ending in "-", which stands for every id it starts;
//   - asterisk-conf/*.conf: Playback(vika/<id>) in the Asterisk dialplan's own fallbacks;
//   - the readouts of this package (StatusReadout, BillReadout, AgentHours, Number, Money, Date,
//     Digits), counted when that Go code calls them.

var flowGoDirs = []string{"../ivr", "../dialplan", "../cmd/vika"}

const flowYAML = "../dialplan/default.yaml"

// confSound is a sound of VIKA's named in Asterisk configuration, as in Playback(vika/system-busy).
var confSound = regexp.MustCompile(`\bvika/([a-z0-9]+(?:-[a-z0-9]+)*)`)

// confPromptIDs collects the vika/<id> sounds of asterisk-conf/*.conf (none when the directory does not exist).
func confPromptIDs(t *testing.T) map[string]string {
	t.Helper()
	ids := map[string]string{}
	files, _ := filepath.Glob("../asterisk-conf/*.conf")
	for _, path := range files {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range confSound.FindAllStringSubmatch(string(data), -1) {
			ids[m[1]] = path
		}
	}
	return ids
}

func TestEveryPromptTheFlowPlaysIsInTheCatalogue(t *testing.T) {
	t.Parallel()
	ids, err := yamlPromptIDs(flowYAML)
	if errors.Is(err, fs.ErrNotExist) {
		t.Skipf("%s does not exist yet: nothing to check against", flowYAML)
	}
	if err != nil {
		t.Fatal(err)
	}
	for _, missing := range Catalogue().Missing(ids...) {
		t.Errorf("%s plays %q, which catalogue.yaml lacks", flowYAML, missing)
	}
	for id, path := range confPromptIDs(t) {
		if !Catalogue().Has(id) {
			t.Errorf("%s plays vika/%s, which catalogue.yaml lacks", path, id)
		}
	}
	for _, lit := range goLiterals(t) {
		if lit.promptArg && !Catalogue().Has(lit.value) {
			t.Errorf("%s plays %q, which catalogue.yaml lacks", lit.pos, lit.value)
		}
	}
	for _, missing := range Catalogue().Missing(readoutIDs(map[string]bool{"*": true})...) {
		t.Errorf("a readout plays %q, which catalogue.yaml lacks", missing)
	}
}

func TestNoCataloguePromptGoesUnplayed(t *testing.T) {
	t.Parallel()
	yamlIDs, err := yamlPromptIDs(flowYAML)
	if errors.Is(err, fs.ErrNotExist) {
		t.Skipf("%s does not exist yet: cannot tell which prompts the flow plays", flowYAML)
	}
	if err != nil {
		t.Fatal(err)
	}
	lits := goLiterals(t)
	if len(lits) == 0 {
		t.Skipf("no Go code in %v yet: cannot tell which prompts the flow plays", flowGoDirs)
	}
	used := map[string]bool{}
	for _, id := range yamlIDs {
		used[id] = true
	}
	for id := range confPromptIDs(t) {
		used[id] = true
	}
	calls := map[string]bool{}
	for _, l := range lits {
		calls[l.call] = true
		markUsed(used, l.value)
	}
	for _, id := range readoutIDs(calls) {
		used[id] = true
	}
	for _, id := range Catalogue().IDs() {
		if !used[id] {
			t.Errorf("catalogue.yaml has %q, but nothing plays it: remove it, or play it from the flow", id)
		}
	}
}

func markUsed(used map[string]bool, lit string) {
	if strings.HasSuffix(lit, "-") {
		for _, id := range Catalogue().IDs() {
			if strings.HasPrefix(id, lit) {
				used[id] = true
			}
		}
		return
	}
	if Catalogue().Has(lit) {
		used[lit] = true
	}
}

// yamlPromptIDs collects the strings of every string list in the flow file but `days` and `holidays`.
func yamlPromptIDs(path string) ([]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, err
	}
	var ids []string
	var walk func(key string, n *yaml.Node)
	walk = func(key string, n *yaml.Node) {
		switch n.Kind {
		case yaml.DocumentNode:
			for _, c := range n.Content {
				walk(key, c)
			}
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				walk(n.Content[i].Value, n.Content[i+1])
			}
		case yaml.SequenceNode:
			for _, c := range n.Content {
				if c.Kind == yaml.ScalarNode && key != "days" && key != "holidays" {
					ids = append(ids, c.Value)
				} else {
					walk(key, c)
				}
			}
		}
	}
	walk("", &doc)
	return ids, nil
}

type goLiteral struct {
	value     string
	pos       token.Position
	call      string // the function called in the same expression, e.g. "prompts.BillReadout"
	promptArg bool   // an argument of a call that plays or names a prompt (MediaURI, play, say, ...)
}

// goLiterals parses the non-test Go files of the flow's packages and returns their string literals, and the
// prompts-package calls they make (as literals with only call set).
func goLiterals(t *testing.T) []goLiteral {
	t.Helper()
	var lits []goLiteral
	fset := token.NewFileSet()
	for _, dir := range flowGoDirs {
		files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
		for _, path := range files {
			if strings.HasSuffix(path, "_test.go") {
				continue
			}
			f, err := parser.ParseFile(fset, path, nil, 0)
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			lits = append(lits, fileLiterals(fset, f)...)
		}
	}
	return lits
}

func fileLiterals(fset *token.FileSet, f *ast.File) []goLiteral {
	var lits []goLiteral
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.CallExpr:
			name := callName(n.Fun)
			if strings.HasPrefix(name, "prompts.") {
				lits = append(lits, goLiteral{call: name})
			}
			for _, arg := range n.Args {
				if s, ok := stringLit(arg); ok && idPattern.MatchString(s) && playsPrompt(name) {
					lits = append(lits, goLiteral{value: s, pos: fset.Position(arg.Pos()), promptArg: true})
				}
			}
		case *ast.BasicLit:
			if s, ok := stringLit(n); ok {
				lits = append(lits, goLiteral{value: s, pos: fset.Position(n.Pos())})
			}
		}
		return true
	})
	return lits
}

func callName(fun ast.Expr) string {
	switch f := fun.(type) {
	case *ast.Ident:
		return f.Name
	case *ast.SelectorExpr:
		if x, ok := f.X.(*ast.Ident); ok {
			return x.Name + "." + f.Sel.Name
		}
		return f.Sel.Name
	}
	return ""
}

func playsPrompt(call string) bool {
	name := strings.ToLower(call[strings.LastIndex(call, ".")+1:])
	return name == "mediauri" || strings.HasPrefix(name, "play") || strings.HasPrefix(name, "say")
}

func stringLit(e ast.Expr) (string, bool) {
	lit, ok := e.(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		return "", false
	}
	s, err := strconv.Unquote(lit.Value)
	return s, err == nil
}

// readoutIDs is every id the readouts can produce, for the readout functions called ("*": all of them).
func readoutIDs(calls map[string]bool) []string {
	called := func(fn string) bool { return calls["*"] || calls["prompts."+fn] }
	var ids []string
	for _, m := range sampleMembers() {
		if called("StatusReadout") {
			ids = append(ids, StatusReadout(m)...)
		}
		if called("BillReadout") {
			ids = append(ids, BillReadout(m)...)
		}
	}
	numbers := []int64{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 20, 100, 200, 1000, 2000, 1e6, 1e9, 1e12}
	for _, n := range numbers {
		if called("Number") || called("Money") || called("BillReadout") {
			ids = append(ids, Number(n)...)
		}
	}
	if called("Money") || called("BillReadout") {
		ids = append(ids, Money(1)...)
	}
	for m := time.January; m <= time.December; m++ {
		if called("Date") || called("MonthID") || called("BillReadout") {
			ids = append(ids, Date(time.Date(2026, m, 10, 0, 0, 0, 0, time.UTC))...)
		}
	}
	if called("Digits") {
		ids = append(ids, Digits("0123456789")...)
	}
	if called("AgentHours") || called("DayID") {
		week := []time.Weekday{time.Sunday, time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday}
		for _, s := range []Schedule{
			{Days: week, Open: 8 * time.Hour, Close: 20*time.Hour + 30*time.Minute, Zone: "WIB", Holidays: true},
			{Days: week[1:6], Open: 8 * time.Hour, Close: 16 * time.Hour},
			{Days: []time.Weekday{time.Saturday, time.Sunday}, Open: 8 * time.Hour, Close: 12 * time.Hour},
		} {
			ids = append(ids, AgentHours(s)...)
		}
		for _, d := range week {
			ids = append(ids, AgentHours(Schedule{Days: []time.Weekday{d}, Open: 8 * time.Hour, Close: 12 * time.Hour})...)
		}
	}
	slices.Sort(ids)
	return slices.Compact(ids)
}

// sampleMembers covers every status, segment and class, paid, paid in part, unpaid and not yet billed, with and
// without arrears (beyond the 24 billed too) and REHAB, before and after the due date and the REHAB deadline.
func sampleMembers() []jkn.Member {
	wib := time.FixedZone("WIB", 7*3600)
	var ms []jkn.Member
	for _, st := range jkn.Statuses {
		for _, seg := range jkn.Segments {
			for _, months := range []int{0, 3, 4, 24, 30} {
				for _, owed := range []int64{0, 20000, 35000, -1} {
					for _, day := range []int{3, 15, 29} {
						asOf := time.Date(2026, 11, day, 9, 0, 0, 0, wib)
						billed := owed >= 0
						owed = max(owed, 0)
						ms = append(ms, jkn.Member{Status: st, Segment: seg, Class: 1 + months%3,
							MonthsInArrears: min(months, 24), UnpaidMonths: months, CurrentMonthBilled: billed,
							CurrentMonthPaid: billed && owed == 0, MonthlyDue: 35000, CurrentMonthOwed: owed,
							ArrearsOwed: 35000 * int64(min(months, 24)), TotalOwed: 35000*int64(min(months, 24)) + owed,
							DueDate: jkn.DueDate(asOf), AsOf: asOf})
					}
				}
			}
		}
	}
	return ms
}
