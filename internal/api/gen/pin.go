package main

// The generator reads its models from the files of github.com/aws/aws-sdk-go
// (see model.SDKDir); no Go code of that module is needed, but this import
// keeps the module and its pinned version in go.mod through `go mod tidy`.
import _ "github.com/aws/aws-sdk-go/aws/awserr"
