package objective

import (
	"math"

	"github.com/rdlm-go/rdlm/core/nn"

	"github.com/rdlm-go/rdlm/core/cpu"
	"github.com/rdlm-go/rdlm/core/process"
	"github.com/rdlm-go/rdlm/core/sphere"
)

// lossELBO is the drift-matching loss on the last Corrupt's x_t:
// weight(t) * sum_l |b_theta(x_t)_l - gamma_t log_{x_l}(e_{k_l})|^2 / (2 beta_t),
// averaged over the batch, with b_theta = P_x(gamma sum_k p_k log_x(e_k)) and
// p = softmax(logits). With withCE the sequence's cross-entropy is added to
// it (both in nats; the CE+MSE objective), under the same weight.
func (o *Objective[T]) lossELBO(logits []T, tokens []int32, dlogits []T, withCE bool) float64 {
	K, L := o.Vocab, o.Length
	var loss float64
	for s := 0; s < o.b; s++ {
		scale := o.weight[s] / float64(o.b)
		var dl []T
		if dlogits != nil {
			dl = dlogits[s*L*K : (s+1)*L*K]
		}
		mse := o.sequenceDriftLoss(s, logits, tokens, dl, scale)
		o.stat[s] = mse
		loss += scale * mse
		if !withCE {
			continue
		}
		lg, tg := logits[s*L*K:(s+1)*L*K], tokens[s*L:(s+1)*L]
		loss += scale * float64(nn.CrossEntropyForward(lg, tg, K))
		if dl != nil {
			addCrossEntropyGrad(dl, lg, tg, K, scale)
		}
	}
	return loss
}

// sequenceDriftLoss is sequence s's NELBO integrand at its t: the drift
// loss summed over positions. With dlogits (L, K) not nil it writes scale
// times the gradient there.
func (o *Objective[T]) sequenceDriftLoss(s int, logits []T, tokens []int32, dlogits []T, scale float64) float64 {
	K, L, V := o.Vocab, o.Length, o.Vocab+1
	t := o.t[s]
	gamma, beta := o.sched.Gamma(t), o.sched.Beta(t)
	var sum float64
	for l := 0; l < L; l++ {
		i := s*L + l
		var dl []T
		if dlogits != nil {
			dl = dlogits[l*K : (l+1)*K]
		}
		sum += DriftLossGrad(dl, logits[i*K:(i+1)*K], o.x[i*V:(i+1)*V], int(tokens[i]),
			gamma, beta, scale, o.prob, o.drift, o.resid)
	}
	return sum
}

// addCrossEntropyGrad adds scale times the cross-entropy gradient,
// softmax(logits) - onehot(target), to dlogits (n, K), using the scratch of
// no one: each row's log-sum-exp is recomputed.
func addCrossEntropyGrad[T cpu.Float](dlogits, logits []T, targets []int32, k int, scale float64) {
	for r, tg := range targets {
		z := logits[r*k : (r+1)*k]
		g := dlogits[r*k : (r+1)*k]
		off := nn.LogSumExp(z)
		for i, v := range z {
			g[i] += T(scale * math.Exp(float64(v)-off))
		}
		g[tg] -= T(scale)
	}
}

// DriftLossGrad returns one position's drift loss |b - y|^2 / (2 beta), where
// b = P_x(gamma sum_k p_k log_x(e_k)) is the model drift for p =
// softmax(logits) and y = gamma log_x(e_token) the bridge drift, and, when
// dlogits is not nil, writes scale times its gradient with respect to logits
// (K) there. prob, drift and resid are scratch of length V = K+1 (x's length).
//
// The gradient, in three steps. Write L_k = f_k (e_k - c_k x) for log_x(e_k),
// with c_k = clip(x_k) and f_k = theta_k/sin(theta_k) exactly as
// sphere.SumLogVertices forms it, so b = gamma P_x(sum_k p_k L_k).
//
//  1. d loss/d b = r/beta with r = b - y.
//  2. P_x = I - x x^T/|x|^2 is symmetric, so d loss/d p_k =
//     gamma <P_x r, L_k>/beta = g_k, and with q = P_x r this is
//     g_k = gamma f_k (q_k - c_k <q, x>)/beta: O(V) for all k together.
//  3. Through the softmax: d loss/d l_j = p_j (g_j - sum_k p_k g_k).
func DriftLossGrad[T cpu.Float](dlogits, logits, x []T, token int, gamma, beta, scale float64, prob, drift, resid []T) float64 {
	K := len(logits)
	nn.Softmax(prob[:K], logits)
	clear(prob[K:])
	_ = process.GenerativeDrift(drift, x, prob, gamma) // lengths are the caller's invariant
	_ = process.BridgeDrift(resid, x, token, gamma)
	var sq float64
	for i := range resid {
		r := float64(drift[i]) - float64(resid[i])
		resid[i] = T(r)
		sq += r * r
	}
	loss := sq / (2 * beta)
	if dlogits == nil {
		return loss
	}
	sphere.Project(resid, x, resid) // q = P_x r
	qx := sphere.Dot(resid, x)
	f := gamma * scale / beta
	var mean float64 // sum_k p_k g_k
	for k := 0; k < K; k++ {
		c, fk := sphere.LogCoefficients(float64(x[k]))
		g := f * fk * (float64(resid[k]) - c*qx)
		dlogits[k] = T(g)
		mean += float64(prob[k]) * g
	}
	for k := 0; k < K; k++ {
		dlogits[k] = T(float64(prob[k]) * (float64(dlogits[k]) - mean))
	}
	return loss
}
