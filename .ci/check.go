// Command check holds the checks of .ci/run that need more than a shell
// and Go: it is run with "go run .ci/check.go", so a fresh machine needs
// neither file(1) nor ldd(1).
//
//	go run .ci/check.go tracked-binaries   fail when git tracks an executable (ELF, PE, Mach-O)
//	go run .ci/check.go static FILE        fail unless FILE is a statically linked ELF executable
package main

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"os/exec"
)

func main() {
	var err error
	switch {
	case len(os.Args) == 2 && os.Args[1] == "tracked-binaries":
		err = trackedBinaries()
	case len(os.Args) == 3 && os.Args[1] == "static":
		err = static(os.Args[2])
	default:
		err = fmt.Errorf("usage: go run .ci/check.go tracked-binaries | static FILE")
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "check:", err)
		os.Exit(1)
	}
}

// trackedBinaries lists git's files and fails on every executable format
// it recognises by its first bytes.
func trackedBinaries() error {
	out, err := exec.Command("git", "ls-files", "-z").Output()
	if err != nil {
		return fmt.Errorf("git ls-files: %w", err)
	}
	var bad []string
	for _, name := range bytes.Split(bytes.TrimSuffix(out, []byte{0}), []byte{0}) {
		kind, err := executableKind(string(name))
		if err != nil {
			return err
		}
		if kind != "" {
			bad = append(bad, fmt.Sprintf("%s (%s)", name, kind))
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("git tracks %d binaries; remove them (git rm --cached) and ignore them:\n  %s", len(bad), bytes.Join(toBytes(bad), []byte("\n  ")))
	}
	fmt.Println("no tracked binaries")
	return nil
}

// executableKind names the executable format of the file, or "".
func executableKind(name string) (string, error) {
	st, err := os.Lstat(name)
	if os.IsNotExist(err) || (err == nil && !st.Mode().IsRegular()) {
		return "", nil // deleted in the work tree, or a symbolic link
	}
	if err != nil {
		return "", err
	}
	f, err := os.Open(name)
	if err != nil {
		return "", err
	}
	defer f.Close()
	head := make([]byte, 64)
	n, err := io.ReadFull(f, head)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return "", err
	}
	head = head[:n]
	switch {
	case bytes.HasPrefix(head, []byte("\x7fELF")):
		return "ELF", nil
	case len(head) >= 4 && isMachO(binary.BigEndian.Uint32(head)):
		return "Mach-O", nil
	case bytes.HasPrefix(head, []byte("MZ")) && isPE(f, head):
		return "PE", nil
	}
	return "", nil
}

// isMachO recognises the Mach-O magics, either byte order, and fat files.
func isMachO(magic uint32) bool {
	switch magic {
	case 0xfeedface, 0xfeedfacf, 0xcefaedfe, 0xcffaedfe, 0xcafebabe, 0xbebafeca:
		return true
	}
	return false
}

// isPE follows the DOS header's pointer (at 0x3c) to the "PE\0\0" signature.
func isPE(f *os.File, head []byte) bool {
	if len(head) < 0x40 {
		return false
	}
	sig := make([]byte, 4)
	off := int64(binary.LittleEndian.Uint32(head[0x3c:]))
	_, err := f.ReadAt(sig, off)
	return err == nil && bytes.Equal(sig, []byte("PE\x00\x00"))
}

// static fails unless path is an ELF executable without an interpreter
// and without needed shared libraries.
func static(path string) error {
	f, err := elf.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return fmt.Errorf("%s is dynamically linked (it has an ELF interpreter)", path)
		}
	}
	if libs, err := f.ImportedLibraries(); err != nil || len(libs) > 0 {
		return fmt.Errorf("%s needs shared libraries %v (%v)", path, libs, err)
	}
	fmt.Printf("%s: statically linked\n", path)
	return nil
}

func toBytes(ss []string) [][]byte {
	out := make([][]byte, len(ss))
	for i, s := range ss {
		out[i] = []byte(s)
	}
	return out
}
