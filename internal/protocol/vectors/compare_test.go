package vectors

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/doppel-aws/doppel/internal/protocol/shape"
)

type ourUser struct {
	Name    string     `locationName:"Name" required:"true"`
	Created *time.Time `locationName:"Created"`
	Tags    []ourTag   `locationName:"Tags"`
	Count   *int32     `locationName:"Count"`
}

type ourTag struct {
	Key string `locationName:"Key" required:"true"`
}

type sdkUser struct {
	Name    *string
	Created *time.Time
	Tags    []sdkTag
	Count   int32
}

type sdkTag struct{ Key *string }

func TestCompare(t *testing.T) {
	now := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	name, key := "a", "k"
	ours := ourUser{Name: "a", Created: &now, Tags: []ourTag{{Key: "k"}}, Count: new(int32)}
	tests := []struct {
		name   string
		theirs sdkUser
		want   []string
	}{
		{"equal", sdkUser{Name: &name, Created: &now, Tags: []sdkTag{{Key: &key}}}, nil},
		{"missing member", sdkUser{Name: &name, Tags: []sdkTag{{Key: &key}}}, []string{"u.Created: missing"}},
		{"different value", sdkUser{Name: &key, Created: &now, Tags: []sdkTag{{Key: &key}}}, []string{"u.Name: a, SDK has k"}},
		{"lost item", sdkUser{Name: &name, Created: &now}, []string{"u.Tags: 1 items"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Compare(reflect.ValueOf(ours), reflect.ValueOf(tc.theirs), "u")
			if len(got) != len(tc.want) {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
			for i := range got {
				if !strings.HasPrefix(got[i], tc.want[i]) {
					t.Errorf("got %q, want prefix %q", got[i], tc.want[i])
				}
			}
		})
	}
}

func TestFillRequired(t *testing.T) {
	var in sdkUser
	FillRequired(reflect.ValueOf(&in).Elem(), planOf(ourUser{}))
	if in.Name == nil || *in.Name != "x" || in.Created != nil || in.Tags != nil {
		t.Errorf("FillRequired = %+v", in)
	}
}

func planOf(v any) *shape.Struct { return shape.Of(reflect.TypeOf(v)) }
