package walk

// Rates are step i's drift rate, diffusion rate and length as
// process.GRWStep takes them (the move is exp_x(sqrt(beta h) z + h gamma
// P_x(...))), for the walk of c over tm. Both backends take them from here,
// so that a rule means the same on the CPU and on the device:
//
//   - RuleEuler, the reference's: gamma_t and beta_t at the step's start,
//     and the grid's one step length h;
//   - RuleExact: over [t0, t1], gamma h = a = 1 - I(t1)/I(t0) and beta h =
//     I(t1) a, h = t1 - t0, the pull and noise that are exact for a bridge
//     near its vertex (process.BridgeStep's), with I(t) = int_t^1 beta.
func (c Config) Rates(tm Times, i int) (gamma, beta, dt float64) {
	t0, t1 := tm.T[i], tm.T[i+1]
	if c.Rule == RuleExact {
		dt = t1 - t0
		i1 := c.Schedule.IntBeta(t1)
		a := 1 - i1/c.Schedule.IntBeta(t0)
		return a / dt, i1 * a / dt, dt
	}
	return c.Schedule.Gamma(t0), c.Schedule.Beta(t0), tm.Step(i)
}
