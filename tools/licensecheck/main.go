// Command licensecheck fails when a module in the dependency graph of
// sysprims-go carries a copyleft license, or none that can be read.
//
// It lists every module the main module's packages and tests import
// (go list -deps -test), finds each module's license files, identifies
// them with Google's license classifier (v2, with its embedded license
// texts), and refuses what the classifier's license types (v1's
// LicenseType) call restricted (GPL, LGPL, ...), reciprocal (MPL, EPL,
// ...) or forbidden (AGPL, ...). The lists are the classifier's own;
// none are written here. It lives in a module of its own so that the
// classifier stays out of sysprims-go's requirements.
//
//	cd tools/licensecheck && go run . ../..
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"github.com/google/licenseclassifier"
	classifier "github.com/google/licenseclassifier/v2"
	"github.com/google/licenseclassifier/v2/assets"
)

// threshold is the classifier confidence a license file must reach.
const threshold = 0.8

// refused are the classifier categories that fail the check.
var refused = map[string]bool{"restricted": true, "reciprocal": true, "forbidden": true}

// module is one entry of go list's output.
type module struct {
	Path, Version, Dir string
	Main               bool
}

func main() {
	root := "."
	if len(os.Args) > 1 {
		root = os.Args[1]
	}
	mods, err := modules(root)
	if err == nil {
		err = check(mods, os.Stdout)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "licensecheck:", err)
		os.Exit(1)
	}
}

// modules lists the non-main modules that the packages and tests of the
// module at root build from.
func modules(root string) ([]module, error) {
	cmd := exec.Command("go", "list", "-deps", "-test", "-json=Module", "./...")
	cmd.Dir, cmd.Stderr = root, os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go list: %w", err)
	}
	seen := map[string]module{}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p struct{ Module *module }
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, fmt.Errorf("go list output: %w", err)
		}
		if m := p.Module; m != nil && !m.Main {
			seen[m.Path] = *m
		}
	}
	out2 := make([]module, 0, len(seen))
	for _, m := range seen {
		out2 = append(out2, m)
	}
	sort.Slice(out2, func(i, j int) bool { return out2[i].Path < out2[j].Path })
	return out2, nil
}

// check classifies every module's license files and reports one line per
// module; it fails when any is refused or has no recognisable license.
func check(mods []module, w io.Writer) error {
	c, err := assets.DefaultClassifier()
	if err != nil {
		return fmt.Errorf("classifier: %w", err)
	}
	var bad []string
	for _, m := range mods {
		names, err := licenses(c, m.Dir)
		verdict := "ok"
		switch {
		case err != nil:
			verdict = err.Error()
		case len(names) == 0:
			verdict = "no recognisable license"
		}
		for _, n := range names {
			switch t := strings.ToLower(licenseclassifier.LicenseType(n)); {
			case refused[t]:
				verdict = fmt.Sprintf("%s is %s", n, t)
			case t == "":
				verdict = fmt.Sprintf("%s has no license type in the classifier", n)
			}
		}
		fmt.Fprintf(w, "%-45s %-38s %-30s %s\n", m.Path, m.Version, strings.Join(names, ","), verdict)
		if verdict != "ok" {
			bad = append(bad, m.Path+": "+verdict)
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("%d module(s) refused:\n  %s", len(bad), strings.Join(bad, "\n  "))
	}
	fmt.Fprintf(w, "%d modules, no copyleft license\n", len(mods))
	return nil
}

// licenses returns the license names found in the license files at the
// top of dir (LICENSE*, LICENCE*, COPYING*, NOTICE is not a license).
func licenses(c *classifier.Classifier, dir string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	found := map[string]bool{}
	for _, e := range ents {
		if e.IsDir() || !isLicenseFile(e.Name()) {
			continue
		}
		text, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		for _, m := range c.Match(text).Matches {
			if m.MatchType == "License" && m.Confidence >= threshold {
				found[m.Name] = true
			}
		}
	}
	names := make([]string, 0, len(found))
	for n := range found {
		names = append(names, n)
	}
	sort.Strings(names)
	return names, nil
}

func isLicenseFile(name string) bool {
	u := strings.ToUpper(name)
	for _, p := range []string{"LICENSE", "LICENCE", "COPYING", "UNLICENSE"} {
		if strings.HasPrefix(u, p) {
			return true
		}
	}
	return false
}
