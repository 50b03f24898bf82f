package sts

import (
	"bytes"
	"compress/flate"
	"encoding/json"
	"fmt"
	"github.com/doppel-aws/doppel/internal/api"
	"net/http"
	"sync"

	"github.com/doppel-aws/doppel/internal/api/stsapi"
	"github.com/doppel-aws/doppel/internal/awserr"
)

// AWS compresses a request's session policies and session tags "into a
// packed binary format that has a separate limit" and reports in
// PackedPolicySize how much of it a request uses, in percent; over 100 the
// request fails with PackedPolicyTooLarge (STS API reference, AssumeRole,
// Policy and Tags). The format is not published. doppel deflates the
// minified policy, the policy ARNs and the tags and measures the result
// against packedBudget bytes, chosen so that published figures come out
// close: a one-statement policy uses a small share, and roughly 1,700
// characters of varied actions exceed the limit, as users report ("Packed
// policy consumes 157% of allotted space").
const packedBudget = 450

// maxPlaintextPolicy is the limit on the plain text of the inline session
// policy (STS API reference: "can't exceed 2,048 characters").
const maxPlaintextPolicy = 2048

// maxSessionTags is the limit on session tags per request, and on
// TransitiveTagKeys.
const maxSessionTags = 50

var flaters = sync.Pool{New: func() any {
	w, _ := flate.NewWriter(nil, flate.BestSpeed)
	return w
}}

// packedPercent returns the share of the packed budget that a session
// policy, policy ARNs and tags take, rounded up.
func packedPercent(policy string, arns []stsapi.PolicyDescriptorType, tags []stsapi.Tag) int32 {
	var plain bytes.Buffer
	if policy != "" {
		if json.Compact(&plain, []byte(policy)) != nil {
			plain.WriteString(policy)
		}
	}
	for _, a := range arns {
		if a.Arn != nil {
			plain.WriteString(*a.Arn)
			plain.WriteByte(0)
		}
	}
	for _, t := range tags {
		plain.WriteString(t.Key)
		plain.WriteByte(0)
		plain.WriteString(t.Value)
		plain.WriteByte(0)
	}
	var packed bytes.Buffer
	w := flaters.Get().(*flate.Writer)
	w.Reset(&packed)
	_, _ = w.Write(plain.Bytes()) // writes to a bytes.Buffer do not fail
	_ = w.Close()
	flaters.Put(w)
	return int32((packed.Len()*100 + packedBudget - 1) / packedBudget)
}

// packedSize is checkPacked for the requests that may carry session
// policies and tags (AssumeRole and its web identity and SAML forms): nil,
// and no PackedPolicySize in the answer, when they carry none.
func packedSize(policy *string, arns []stsapi.PolicyDescriptorType, tags []stsapi.Tag) (*int32, error) {
	if policy == nil && len(arns) == 0 && len(tags) == 0 {
		return nil, nil
	}
	pct, err := checkPacked(api.ToString(policy), arns, tags)
	if err != nil {
		return nil, err
	}
	return &pct, nil
}

// checkPacked measures a request's session policies and tags. It returns the
// PackedPolicySize to report, or PackedPolicyTooLarge.
func checkPacked(policy string, arns []stsapi.PolicyDescriptorType, tags []stsapi.Tag) (int32, error) {
	pct := packedPercent(policy, arns, tags)
	if pct > 100 {
		return pct, awserr.New(http.StatusBadRequest, "PackedPolicyTooLarge",
			fmt.Sprintf("Packed policy consumes %d%% of allotted space, please use smaller policy.", pct))
	}
	return pct, nil
}
