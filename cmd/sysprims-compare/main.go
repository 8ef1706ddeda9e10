package main

import (
	"os"

	"github.com/3leaps/sysprims-go/fixtures"
)

func main() {
	fixtures.Main() // this binary is also every fixture program
	os.Exit(compare(os.Args[1:], os.Stdout, os.Stderr))
}
