// Package e2e drives the real clients users come with (Terraform 1.x with
// the hashicorp/aws provider, the AWS CLI) as subprocesses against an
// in-process doppel (doppeltest), through the seed procedure of issue 7:
// a user in account A, a role in account B that trusts A, Terraform's
// assume_role block, a bucket created in B; and through every way that
// procedure fails on AWS.
//
// The tests find their tools through DOPPEL_TERRAFORM, DOPPEL_TF_PLUGIN_DIR
// and DOPPEL_AWS_CLI (scripts/tools.sh exports them), falling back to PATH
// and /opt/tf-plugins. A missing tool fails the tests with a message saying
// which; DOPPEL_SKIP_E2E=1 skips them on purpose.
//
// The Terraform configurations they apply are the examples' own files
// (examples/...), so the walkthroughs cannot drift from what is tested.
package e2e
