package iac

import "github.com/customercloud/home/shared/resources"

// Logical IDs and outputs of the Home page's hosting: a private S3 bucket
// read only by one CloudFront distribution through origin access control,
// with a response headers policy for the security headers.
const (
	WebBucketID         = "WebBucket"
	WebBucketPolicyID   = "WebBucketPolicy"
	WebOACID            = "WebOriginAccessControl"
	WebHeadersPolicyID  = "WebSecurityHeadersPolicy"
	WebDistributionID   = "WebDistribution"
	OutputWebURL        = "WebUrl"
	OutputWebBucketName = "WebBucketName"
	// webOriginID names the bucket inside the distribution.
	webOriginID = "web-bucket"
	// CachingOptimizedPolicyID is CloudFront's managed "CachingOptimized"
	// cache policy: it honours each object's Cache-Control, which the
	// deployment sets to no-cache on index.html and config.json.
	CachingOptimizedPolicyID = "658327ea-f89d-4fab-a63d-7e88639e58f6"
)

// WebResource is one resource of the hosting, as raw CloudFormation: the
// CDK stack emits it as is and template.yaml must say the same (the drift
// test compares the rendered properties).
type WebResource struct {
	ID, Type   string
	Properties map[string]any
}

type obj = map[string]any
type list = []any

func getAtt(res, attr string) obj { return obj{"Fn::GetAtt": list{res, attr}} }
func fnSub(s string) obj          { return obj{"Fn::Sub": s} }
func ref(id string) obj           { return obj{"Ref": id} }

// WebOrigin is the page's origin, the one the API's CORS allows.
var WebOrigin = fnSub("https://${" + WebDistributionID + ".DomainName}")

// CORSAllowOrigins is the HTTP API's allowed origins: the page's and those
// of the CorsAllowOrigins parameter (e.g. a developer's local page).
func CORSAllowOrigins() obj {
	return obj{"Fn::Split": list{",", obj{"Fn::Join": list{",", list{WebOrigin, obj{"Fn::Join": list{",", ref(ParamCorsOrigins)}}}}}}}
}

// WebResources is the hosting, in the order the templates list it.
func WebResources() []WebResource {
	w := resources.Web
	t := true
	bucketObjects := fnSub("${" + WebBucketID + ".Arn}/*")
	return []WebResource{
		{ID: WebBucketID, Type: "AWS::S3::Bucket", Properties: obj{
			"BucketEncryption":               obj{"ServerSideEncryptionConfiguration": list{obj{"ServerSideEncryptionByDefault": obj{"SSEAlgorithm": "AES256"}}}},
			"PublicAccessBlockConfiguration": obj{"BlockPublicAcls": t, "BlockPublicPolicy": t, "IgnorePublicAcls": t, "RestrictPublicBuckets": t},
			"OwnershipControls":              obj{"Rules": list{obj{"ObjectOwnership": "BucketOwnerEnforced"}}},
			"VersioningConfiguration":        obj{"Status": "Enabled"},
		}},
		{ID: WebBucketPolicyID, Type: "AWS::S3::BucketPolicy", Properties: obj{
			"Bucket": ref(WebBucketID),
			"PolicyDocument": obj{"Version": "2012-10-17", "Statement": list{
				obj{"Sid": "CloudFrontReadsThePage", "Effect": "Allow", "Principal": obj{"Service": "cloudfront.amazonaws.com"},
					"Action": "s3:GetObject", "Resource": bucketObjects,
					"Condition": obj{"StringEquals": obj{"AWS:SourceArn": fnSub("arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:distribution/${" + WebDistributionID + "}")}}},
				obj{"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
					"Resource":  list{getAtt(WebBucketID, "Arn"), bucketObjects},
					"Condition": obj{"Bool": obj{"aws:SecureTransport": "false"}}},
			}},
		}},
		{ID: WebOACID, Type: "AWS::CloudFront::OriginAccessControl", Properties: obj{
			"OriginAccessControlConfig": obj{"Name": fnSub("${AWS::StackName}-web"), "Description": "The Home page's bucket, read by CloudFront only",
				"OriginAccessControlOriginType": "s3", "SigningBehavior": "always", "SigningProtocol": "sigv4"},
		}},
		{ID: WebHeadersPolicyID, Type: "AWS::CloudFront::ResponseHeadersPolicy", Properties: obj{
			"ResponseHeadersPolicyConfig": obj{"Name": fnSub("${AWS::StackName}-web-security"), "Comment": "Security headers of the Home page",
				"SecurityHeadersConfig": obj{
					"ContentSecurityPolicy":   obj{"ContentSecurityPolicy": w.ContentSecurityPolicy, "Override": t},
					"ContentTypeOptions":      obj{"Override": t},
					"FrameOptions":            obj{"FrameOption": w.FrameOptions, "Override": t},
					"ReferrerPolicy":          obj{"ReferrerPolicy": w.ReferrerPolicy, "Override": t},
					"StrictTransportSecurity": obj{"AccessControlMaxAgeSec": w.HSTSMaxAge, "IncludeSubdomains": t, "Preload": t, "Override": t},
				}},
		}},
		{ID: WebDistributionID, Type: "AWS::CloudFront::Distribution", Properties: obj{
			"DistributionConfig": obj{
				"Enabled": t, "Comment": fnSub("${AWS::StackName} Home page"), "DefaultRootObject": w.IndexDocument,
				"HttpVersion": "http2and3", "IPV6Enabled": t, "PriceClass": "PriceClass_100",
				"Origins": list{obj{"Id": webOriginID, "DomainName": getAtt(WebBucketID, "RegionalDomainName"),
					"OriginAccessControlId": getAtt(WebOACID, "Id"), "S3OriginConfig": obj{"OriginAccessIdentity": ""}}},
				"DefaultCacheBehavior": obj{"TargetOriginId": webOriginID, "ViewerProtocolPolicy": "redirect-to-https",
					"AllowedMethods": list{"GET", "HEAD"}, "CachedMethods": list{"GET", "HEAD"}, "Compress": t,
					"CachePolicyId": CachingOptimizedPolicyID, "ResponseHeadersPolicyId": ref(WebHeadersPolicyID)},
			},
		}},
	}
}

// WebOutputs are the hosting's outputs: where the page is, and the bucket
// the deployment uploads web/dist to.
func WebOutputs() map[string]any {
	return map[string]any{OutputWebURL: WebOrigin, OutputWebBucketName: ref(WebBucketID)}
}
