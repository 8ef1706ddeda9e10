package platform

import (
	"errors"
	"fmt"

	"golang.org/x/sys/windows"
)

// New returns a container for one tree: a Job Object with kill-on-close
// ([MechanismJobObject], guaranteed), or the best-effort process group
// container when spec asks for it or, unless spec.Require, when no job can
// be created.
func New(spec Spec) (Container, error) { return newContainer(spec) }

func newContainer(spec Spec) (Container, error) {
	caps := Probe()
	ms, err := candidates(spec, caps)
	if err != nil {
		return nil, err
	}
	var errs []error
	for _, m := range ms {
		c, err := build(m)
		if err == nil {
			noteFallback(spec, caps, m, errs)
			return c, nil
		}
		errs = append(errs, err)
	}
	return nil, fmt.Errorf("sysprims: no container could be made: %w", errors.Join(append([]error{ErrUnavailable}, errs...)...))
}

// build makes a container of mechanism m.
func build(m Mechanism) (Container, error) {
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
