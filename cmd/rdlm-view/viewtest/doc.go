// Package viewtest runs the native viewer (cmd/rdlm-view) under Xvfb and
// checks the screenshot it takes. It holds tests only.
package viewtest
