//go:build !unix

package platform

import "os"

// maxRSS reports nothing: wait gives no peak memory here (a Windows Job
// Object has its own account).
func maxRSS(*os.ProcessState) (uint64, bool) { return 0, false }
