package query

import (
	"bytes"
	"net/http"
	"reflect"
	"strconv"
	"sync"

	"github.com/doppel-aws/doppel/internal/api"
	"github.com/doppel-aws/doppel/internal/awserr"
	"github.com/doppel-aws/doppel/internal/protocol/xmlbody"
)

var buffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// AppendResponse appends the response document of op with output out (nil
// means empty) to b:
//
//	<OpResponse xmlns="..."><OpResult>...</OpResult><ResponseMetadata><RequestId>id</RequestId></ResponseMetadata></OpResponse>
func AppendResponse(b *bytes.Buffer, svc *api.Service, op *api.Operation, out any, requestID string) {
	b.WriteString("<")
	b.WriteString(op.Name)
	b.WriteString(`Response xmlns="`)
	b.WriteString(svc.XMLNamespace)
	b.WriteString(`">`)
	var ov reflect.Value
	if v := reflect.ValueOf(out); out != nil && v.Kind() == reflect.Pointer && !v.IsNil() {
		ov = v.Elem()
	}
	wrapper := op.ResultWrapper
	if wrapper == "" && ov.IsValid() && ov.NumField() > 0 {
		// Clients look for <OpResult> (aws-sdk-go's query unmarshaler does), so
		// outputs that the model leaves without a wrapper get that one.
		wrapper = op.Name + "Result"
	}
	if wrapper != "" {
		b.WriteString("<" + wrapper + ">")
		if ov.IsValid() {
			xmlbody.Members(b, ov, svc.TimePrecision)
		}
		b.WriteString("</" + wrapper + ">")
	}
	b.WriteString("<ResponseMetadata><RequestId>")
	xmlText(b, requestID)
	b.WriteString("</RequestId></ResponseMetadata></")
	b.WriteString(op.Name)
	b.WriteString("Response>")
}

// WriteResponse writes a 200 response with op's output out.
func WriteResponse(w http.ResponseWriter, svc *api.Service, op *api.Operation, out any, requestID string) error {
	b := buffers.Get().(*bytes.Buffer)
	defer func() { b.Reset(); buffers.Put(b) }()
	AppendResponse(b, svc, op, out, requestID)
	return write(w, http.StatusOK, b)
}

// AppendError appends the error document:
//
//	<ErrorResponse xmlns="..."><Error><Type>Sender</Type><Code/><Message/></Error><RequestId/></ErrorResponse>
func AppendError(b *bytes.Buffer, svc *api.Service, e *awserr.Error, requestID string) {
	b.WriteString(`<ErrorResponse xmlns="`)
	b.WriteString(svc.XMLNamespace)
	b.WriteString(`"><Error><Type>`)
	if e.Server {
		b.WriteString("Receiver")
	} else {
		b.WriteString("Sender")
	}
	b.WriteString("</Type><Code>")
	xmlText(b, e.Code)
	b.WriteString("</Code><Message>")
	xmlText(b, e.Message)
	b.WriteString("</Message>")
	for _, f := range e.Fields {
		b.WriteString("<" + f.Name + ">")
		xmlText(b, f.Value)
		b.WriteString("</" + f.Name + ">")
	}
	b.WriteString("</Error><RequestId>")
	xmlText(b, requestID)
	b.WriteString("</RequestId></ErrorResponse>")
}

// WriteError writes e with its HTTP status (500 when unset).
func WriteError(w http.ResponseWriter, svc *api.Service, e *awserr.Error, requestID string) error {
	b := buffers.Get().(*bytes.Buffer)
	defer func() { b.Reset(); buffers.Put(b) }()
	AppendError(b, svc, e, requestID)
	status := e.Status
	if status == 0 {
		status = http.StatusInternalServerError
	}
	return write(w, status, b)
}

func write(w http.ResponseWriter, status int, b *bytes.Buffer) error {
	h := w.Header()
	h.Set("Content-Type", "text/xml")
	h.Set("Content-Length", strconv.Itoa(b.Len()))
	w.WriteHeader(status)
	_, err := w.Write(b.Bytes())
	return err
}

func xmlText(b *bytes.Buffer, s string) { xmlbody.EscapeText(b, s) }
