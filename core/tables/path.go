package tables

import "fmt"

// Path names the start point of a bridge, and the row of a table.
type Path int

const (
	// Masked is the bridge from the mask vertex e_m (row 0 of the reference's tables).
	Masked Path = 0
	// Uniform is the bridge from the uniform point u (row 1).
	Uniform Path = 1
)

func (p Path) String() string {
	switch p {
	case Masked:
		return "masked"
	case Uniform:
		return "uniform"
	}
	return fmt.Sprintf("Path(%d)", int(p))
}

// ParsePath reads "masked" or "uniform".
func ParsePath(s string) (Path, error) {
	switch s {
	case "masked":
		return Masked, nil
	case "uniform":
		return Uniform, nil
	}
	return 0, fmt.Errorf("tables: unknown start %q (want masked or uniform)", s)
}
