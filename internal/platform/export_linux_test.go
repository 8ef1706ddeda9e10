package platform

import "os/exec"

var exec_ErrWaitDelay = exec.ErrWaitDelay
