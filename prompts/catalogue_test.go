package prompts

import (
	"strings"
	"testing"
)

// flowSentences are the ids the call flow is written against (issue 4 and dialplan/default.yaml).
var flowSentences = []string{
	"welcome", "main-menu", "no-input", "invalid-key", "enter-id", "id-incomplete", "nik-invalid",
	"enter-birthdate", "birthdate-invalid", "data-mismatch", "too-many-tries", "please-wait", "system-busy",
	"caller-limited", "status-intro", "status-0", "status-2", "status-6", "status-7", "status-9", "status-15",
	"segment-intro", "segment-pbi-apbn", "segment-pbi-apbd", "segment-ppu", "segment-pbpu", "segment-bp",
	"class-intro", "bill-this-month", "bill-paid", "bill-no-arrears", "bill-arrears-intro", "word-bulan", "bill-total",
	"bill-due", "rehab-eligible", "word-tahap", "rehab-how", "payer-pbi-apbn", "payer-pbi-apbd", "payer-ppu",
	"after-readout-menu", "lookup-limit", "transfer-agent", "agent-closed", "agent-hours-intro", "word-sampai",
	"goodbye", "word-rupiah",
}

func TestTheCatalogueHasEverySentenceTheFlowIsWrittenAgainst(t *testing.T) {
	t.Parallel()
	if missing := Catalogue().Missing(flowSentences...); len(missing) > 0 {
		t.Errorf("catalogue.yaml lacks %v", missing)
	}
}

func TestPromptsSpeakToTheCallerPolitelyAndNeverSayTheNumberExists(t *testing.T) {
	t.Parallel()
	cat := Catalogue()
	for _, id := range []string{"data-mismatch", "nik-invalid", "caller-limited"} {
		text, _ := cat.Text(id)
		for _, leak := range []string{"tidak terdaftar", "tidak ditemukan", "belum terdaftar"} {
			if strings.Contains(strings.ToLower(text), leak) {
				t.Errorf("%s says %q: it must not reveal whether a number is registered", id, leak)
			}
		}
	}
	if text, _ := cat.Text("data-mismatch"); text != "Maaf, data tidak sesuai." {
		t.Errorf("data-mismatch says %q", text)
	}
	for _, id := range []string{"enter-id", "enter-birthdate", "main-menu", "after-readout-menu"} {
		if text, _ := cat.Text(id); !strings.Contains(text, "Anda") && !strings.Contains(text, "tekan") {
			t.Errorf("%s does not address the caller: %q", id, text)
		}
	}
}

func TestSpeechWrittenForTheSynthesiserSaysNoDigitsOrAcronyms(t *testing.T) {
	t.Parallel()
	// espeak-ng reads "APBN" as one word and digits out of context badly; entries spell them out in `say`.
	for _, e := range Catalogue().Entries() {
		if strings.ContainsAny(e.Spoken(), "0123456789") {
			t.Errorf("%s is spoken with digits: %q (add a `say:` with the words)", e.ID, e.Spoken())
		}
	}
}

func TestCatalogueRejectsWhatAReviewerWouldMiss(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, yaml, want string
	}{
		{"a duplicate id", "a: {text: x}\na: {text: y}\n", "defined twice"},
		{"an id that is no kebab-case", "Main_Menu: {text: x}\n", "kebab-case"},
		{"an entry without text", "a: {note: x}\n", "no text"},
		{"a misspelt field", "a: {txt: x}\n", "txt"},
		{"a list instead of a mapping", "- a\n", "mapping"},
	}
	for _, c := range cases {
		_, err := ParseCatalogue([]byte(c.yaml))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one mentioning %q", c.name, err, c.want)
		}
	}
}

func TestTextShowsAnUnknownPromptWhereItWouldHaveBeenSaid(t *testing.T) {
	t.Parallel()
	got := Text([]string{"bill-this-month", "no-such-prompt", "word-rupiah"})
	if got != "Iuran bulan ini sebesar [no-such-prompt] rupiah" {
		t.Errorf("Text = %q", got)
	}
}

func TestCatalogueKeepsFileOrder(t *testing.T) {
	t.Parallel()
	ids := Catalogue().IDs()
	if ids[0] != "welcome" || ids[len(ids)-1] != "month-12" {
		t.Errorf("IDs run from %s to %s, want welcome to month-12", ids[0], ids[len(ids)-1])
	}
}
