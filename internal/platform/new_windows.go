package platform

import (
	"fmt"

	"golang.org/x/sys/windows"
)

// build makes a container of mechanism m.
func build(m Mechanism, _ Spec) (Container, error) {
	switch m {
	case MechanismJobObject:
		return newJobContainer()
	case MechanismProcessGroup:
		return &groupContainer{}, nil
	}
	return nil, fmt.Errorf("sysprims: %s: %w", m, ErrUnavailable)
}

// probe finds what this machine offers: a job object with kill-on-close
// when one can be made (it cannot inside a job that forbids nesting on
// Windows before 8), and the process group container always.
func probe() Caps {
	var c Caps
	job, err := windows.CreateJobObject(nil, nil)
	if err == nil {
		err = setKillOnClose(job)
		windows.CloseHandle(job)
	}
	if err == nil {
		c.Mechanisms = append(c.Mechanisms, MechanismJobObject)
	} else {
		c.Notes = append(c.Notes, fmt.Sprintf("job_object: %v", err))
	}
	c.Mechanisms = append(c.Mechanisms, MechanismProcessGroup)
	return c
}
