package store

import (
	"bytes"
	"compress/flate"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// States are stored compressed because a write costs one unit per started
// KB of the item: the JSON of an active contact passes 1 KB long before its
// compressed form does. The preset dictionary holds the state's recurring
// keys and values, so even a small state compresses. The first byte is the
// format, so the dictionary can change without a migration.
const stateFormatV1 = 1

var stateDictV1 = []byte(`{"r":true,"x":true,"uf":"unknown","es":true,"d":[{"d":20400,"s":{"whatsapp":1,"sms":1,"email":1,"rcs":1,"webchat":1,"instagram":1,"messenger":1,"push":1},"m":{"sms":1,"whatsapp":1,"email":1},"c":true,"p":true,"i":1,"oc":1,"os":1}],"w":[{"l":"bot","s":1763000000000,"d":20400,"x":"positive","ta":1763000000000},{"l":"human","s":1763000000000,"d":20400,"x":"neutral","ta":1763000000000},{"l":"expert_agent","s":1763000000000,"d":20400,"x":"negative","ta":1763000000000}],"t":{"t-1":{"a":"support","d":20400,"st":"new"},"t-2":{"a":"commercial","d":20400,"st":"in_progress"},"t-3":{"a":"support","d":20400,"st":"waiting"}},"n":[{"d":20400,"h":"`)

var writers = sync.Pool{New: func() any {
	w, _ := flate.NewWriterDict(io.Discard, flate.BestCompression, stateDictV1)
	return w
}}

// encodeState renders a state for storage.
func encodeState(v any) (types.AttributeValue, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode state: %w", err)
	}
	var buf bytes.Buffer
	buf.WriteByte(stateFormatV1)
	w := writers.Get().(*flate.Writer)
	defer writers.Put(w)
	w.Reset(&buf)
	if _, err := w.Write(raw); err != nil {
		return nil, fmt.Errorf("compress state: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("compress state: %w", err)
	}
	return &types.AttributeValueMemberB{Value: buf.Bytes()}, nil
}

// errStateFormat means a stored state is in no format this code reads.
var errStateFormat = errors.New("unknown state format")

// decodeState reads a stored state: compressed (binary) or plain JSON
// (string, for items written by hand while debugging). A missing attribute
// is the zero state.
func decodeState(av types.AttributeValue, v any) error {
	switch a := av.(type) {
	case nil:
		return nil
	case *types.AttributeValueMemberS:
		if err := json.Unmarshal([]byte(a.Value), v); err != nil {
			return fmt.Errorf("decode state: %w", err)
		}
		return nil
	case *types.AttributeValueMemberB:
		if len(a.Value) == 0 || a.Value[0] != stateFormatV1 {
			return errStateFormat
		}
		r := flate.NewReaderDict(bytes.NewReader(a.Value[1:]), stateDictV1)
		defer r.Close()
		if err := json.NewDecoder(r).Decode(v); err != nil {
			return fmt.Errorf("decode state: %w", err)
		}
		return nil
	default:
		return errStateFormat
	}
}
