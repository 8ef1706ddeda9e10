module github.com/3leaps/sysprims-go/tools/licensecheck

go 1.25.0

require (
	github.com/google/licenseclassifier v0.0.0-20260218193730-3cfbab2d0e0d
	github.com/google/licenseclassifier/v2 v2.0.0
)

require (
	github.com/davecgh/go-spew v1.1.1 // indirect
	github.com/sergi/go-diff v1.1.0 // indirect
)
