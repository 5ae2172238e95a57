package prompts_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/vika-jkn/vika/asterisksim"
	"github.com/vika-jkn/vika/prompts"
)

// installedSim is a simulated Asterisk whose sounds directory holds the committed prompts, less those removed.
func installedSim(t *testing.T, remove ...string) prompts.ARISounds {
	t.Helper()
	dir := t.TempDir()
	if err := os.CopyFS(dir, prompts.Sounds()); err != nil {
		t.Fatal(err)
	}
	for _, id := range remove {
		if err := os.Remove(filepath.Join(dir, prompts.Language, "vika", id+".wav")); err != nil {
			t.Fatal(err)
		}
	}
	sim := asterisksim.Start(t, asterisksim.Options{Sounds: dir})
	return prompts.ARISounds{URL: sim.URL(), User: sim.User(), Password: sim.Password()}
}

func TestCheckAgainstTheSimulatedAsteriskReportsTheMissingPrompt(t *testing.T) {
	t.Parallel()
	missing, err := prompts.Check(context.Background(), installedSim(t, "rehab-how"), prompts.Language)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(missing, []string{"rehab-how"}) {
		t.Errorf("missing %v, want [rehab-how]", missing)
	}
}

func TestCheckAgainstTheSimulatedAsteriskWithEveryPromptInstalledFindsNoneMissing(t *testing.T) {
	t.Parallel()
	missing, err := prompts.Check(context.Background(), installedSim(t), prompts.Language)
	if err != nil || len(missing) != 0 {
		t.Errorf("missing %v, err %v", missing, err)
	}
}

func TestCheckForALanguageAsteriskHasNoSoundsInListsEveryPrompt(t *testing.T) {
	t.Parallel()
	missing, err := prompts.Check(context.Background(), installedSim(t), "en")
	if err != nil || len(missing) != len(prompts.Catalogue().IDs()) {
		t.Errorf("%d missing (err %v), want all %d", len(missing), err, len(prompts.Catalogue().IDs()))
	}
}
