package sms

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// The worked example of Tencent Cloud's "Signature v3" (签名方法 v3) documentation: a CVM
// DescribeInstances request signed at 1551113065. Tencent publishes it in two versions
// that differ only in the demo key: the Chinese page masks it as
// Gu5t9xGARNpq86cd98joQYCN3******* and signs with those very characters; the English
// page signs with Gu5t9xGARNpq86cd98joQYCN3EXAMPLE. Both publish the same
// CanonicalRequest and StringToSign.
const (
	tc3ExamplePayload  = `{"Limit": 1, "Filters": [{"Values": ["\u672a\u547d\u540d"], "Name": "instance-name"}]}`
	tc3ExampleCanon    = "POST\n/\n\ncontent-type:application/json; charset=utf-8\nhost:cvm.tencentcloudapi.com\n\ncontent-type;host\n35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064"
	tc3ExampleToSign   = "TC3-HMAC-SHA256\n1551113065\n2019-02-25/cvm/tc3_request\n5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031"
	tc3ExampleSecretID = "AKIDz8krbsJ5yKBZQpn74WFkmLPx3*******"
)

func tc3Example() tc3Request {
	return tc3Request{method: "POST", path: "/", contentType: "application/json; charset=utf-8",
		host: "cvm.tencentcloudapi.com", service: "cvm", payload: []byte(tc3ExamplePayload),
		timestamp: time.Unix(1551113065, 0)}
}

func TestTC3ReproducesTencentsPublishedCanonicalRequestAndStringToSign(t *testing.T) {
	r := tc3Example()
	assert.Equal(t, tc3ExampleCanon, r.canonical())
	assert.Equal(t, tc3ExampleToSign, r.stringToSign())
}

func TestTC3ReproducesTencentsPublishedSignature(t *testing.T) {
	r := tc3Example()
	assert.Equal(t,
		"TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3*******/2019-02-25/cvm/tc3_request, SignedHeaders=content-type;host, Signature=2230eefd229f582d8b1b891af7107b91597240707d778ab3738f756258d7652c",
		r.authorization(tc3ExampleSecretID, "Gu5t9xGARNpq86cd98joQYCN3*******"))
	assert.Equal(t, "72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168",
		r.signature("Gu5t9xGARNpq86cd98joQYCN3EXAMPLE"))
}

// The date of the scope is UTC: 1551113065 is already 2019-02-26 in Beijing.
func TestTC3DateIsUTC(t *testing.T) {
	r := tc3Example()
	r.timestamp = r.timestamp.In(time.FixedZone("CST", 8*3600))
	assert.Equal(t, tc3ExampleToSign, r.stringToSign())
}
