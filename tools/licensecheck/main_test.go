package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/licenseclassifier/v2/assets"
)

// fakeModule makes a module directory holding the classifier's own copy
// of license (e.g. "License/GPL-3.0/license.txt"), or no license at all.
func fakeModule(t *testing.T, path, license string) module {
	t.Helper()
	dir := t.TempDir()
	if license != "" {
		text, err := assets.ReadLicenseFile(license)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "LICENSE"), text, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return module{Path: path, Version: "v1.0.0", Dir: dir}
}

func TestCheck(t *testing.T) {
	tests := []struct {
		license string
		refused string // "" when accepted
	}{
		{"License/MIT/pristine.txt", ""},
		{"License/Apache-2.0/pristine.txt", ""},
		{"License/GPL-3.0/license.txt", "GPL-3.0 is restricted"},
		{"License/LGPL-2.1/license.txt", "LGPL-2.1 is restricted"},
		{"License/MPL-2.0/license.txt", "MPL-2.0 is reciprocal"},
		{"License/AGPL-3.0/license.txt", "AGPL-3.0 is forbidden"},
		{"", "no recognisable license"},
	}
	for _, tt := range tests {
		var out bytes.Buffer
		err := check([]module{fakeModule(t, "example.com/m", tt.license)}, &out)
		switch {
		case tt.refused == "" && err != nil:
			t.Errorf("%s refused: %v", tt.license, err)
		case tt.refused != "" && (err == nil || !strings.Contains(err.Error(), tt.refused)):
			t.Errorf("%s: error %v, want %q\n%s", tt.license, err, tt.refused, out.String())
		}
	}
}

func TestThisModule(t *testing.T) {
	mods, err := modules("../..")
	if err != nil {
		t.Fatal(err)
	}
	if len(mods) == 0 {
		t.Fatal("no dependencies found")
	}
	var out bytes.Buffer
	if err := check(mods, &out); err != nil {
		t.Errorf("%v\n%s", err, out.String())
	}
}
