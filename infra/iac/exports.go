package iac

import (
	"slices"

	"github.com/customercloud/home/shared/export"
)

// Logical IDs of the usage exports' bucket (issue 11). Its queue, dead-
// letter queue, alarm and worker function come from shared/resources like
// every other.
const (
	ExportsBucketID       = "ExportsBucket"
	ExportsBucketPolicyID = "ExportsBucketPolicy"
)

// exportObjects is the ARN pattern of the export objects: the prefix the
// worker writes and the API presigns, nothing else of the bucket.
var exportObjects = "${" + ExportsBucketID + ".Arn}/" + export.Prefix + "*"

// ExportResources are the exports bucket and its policy, raw CloudFormation
// both templates write property for property: private (public access
// blocked, owner-enforced), encrypted at rest (SSE-S3), objects and
// unfinished multipart uploads expired by a lifecycle rule
// (export.RetentionDays; the records' TTL is the same), and a policy that
// refuses any access without TLS.
func ExportResources() []RawResource {
	t := true
	return []RawResource{
		{ID: ExportsBucketID, Type: "AWS::S3::Bucket", Properties: obj{
			"BucketEncryption":               obj{"ServerSideEncryptionConfiguration": list{obj{"ServerSideEncryptionByDefault": obj{"SSEAlgorithm": "AES256"}}}},
			"PublicAccessBlockConfiguration": obj{"BlockPublicAcls": t, "BlockPublicPolicy": t, "IgnorePublicAcls": t, "RestrictPublicBuckets": t},
			"OwnershipControls":              obj{"Rules": list{obj{"ObjectOwnership": "BucketOwnerEnforced"}}},
			"LifecycleConfiguration": obj{"Rules": list{obj{
				"Id": "expire-exports", "Status": "Enabled", "Prefix": export.Prefix,
				"ExpirationInDays":               export.RetentionDays,
				"AbortIncompleteMultipartUpload": obj{"DaysAfterInitiation": 1},
			}}},
		}},
		{ID: ExportsBucketPolicyID, Type: "AWS::S3::BucketPolicy", Properties: obj{
			"Bucket": ref(ExportsBucketID),
			"PolicyDocument": obj{"Version": "2012-10-17", "Statement": list{
				obj{"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
					"Resource":  list{getAtt(ExportsBucketID, "Arn"), fnSub("${" + ExportsBucketID + ".Arn}/*")},
					"Condition": obj{"Bool": obj{"aws:SecureTransport": "false"}}},
			}},
		}},
	}
}

// isExportResource reports whether a logical ID is one of ExportResources.
func isExportResource(id string) bool {
	return slices.Contains([]string{ExportsBucketID, ExportsBucketPolicyID}, id)
}
