// Package generate owns a generation request from its defaults to its
// decoded output, so that the command line (cmd/rdlm sample), the page and
// the widget (wasm/) and the native viewer (cmd/rdlm-view) are front ends
// that only parse and print.
//
// A request flows in four stages:
//
//  1. Model: NewModel reads what a checkpoint is: its network, its process
//     (schedule and mixture from its own config, never from defaults) and
//     how its samples decode (Kind): text8 characters, token ids spelt in
//     digits (dimension splitting, the reference's LM1B models) printed
//     through a WordPiece vocabulary or as ids, or images.
//  2. Check and Plan: Request.Check refuses what no model could run before
//     anything is read or allocated (sizes past the front end's Limits, a
//     prompt and a template at once, unknown rules and backends);
//     Model.Plan then settles the defaults from the checkpoint (steps,
//     length), turns a prompt or template into a hold pattern (normalised
//     to the alphabet unless Raw), bounds the length by the model's, and
//     splits the samples into batches. Every refusal is a RequestError whose
//     message names the field as the front end spells it (Names): the same
//     rule gives "--prompt has 5 characters ..." on the command line and
//     "the prompt has 5 characters ..." on the page.
//  3. Open: a Runner for the plan, on the backend its Choice allows: CPU
//     (core/sampler over the host's network, and the baselines' samplers),
//     WebGPU (gpu.Walk: the whole walk on the device, or an error saying
//     why it cannot run there, never a silent CPU run), or Auto (the device
//     when it opens, else the CPU with Backend.Reason saying why). The
//     Runner owns the device and Close frees it.
//  4. Run and decode: Runner.Run walks the samples batch by batch (a
//     sample's tokens depend only on the seed, its index, the hold and the
//     plan, not on the batching or the backend), an Observer set with
//     SetObserver sees each step's most probable tokens, and Runner.Text or
//     Model.Pixels decode the tokens.
package generate
