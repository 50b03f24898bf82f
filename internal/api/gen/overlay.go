package main

// Facts the models leave out, kept here so the generated code carries them.

// xmlNamespaces gives a service's XML namespace when its model has none.
// S3 answers with xmlns="http://s3.amazonaws.com/doc/2006-03-01/" on every
// XML body: https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html
var xmlNamespaces = map[string]string{
	"s3": "http://s3.amazonaws.com/doc/2006-03-01/",
	// S3 Control's model gives it per operation only:
	// https://docs.aws.amazon.com/AmazonS3/latest/API/API_control_ListTagsForResource.html
	"s3-control": "http://awss3control.amazonaws.com/doc/2018-08-20/",
}

// outputRoots names the root element of S3 response bodies whose output has
// body members but no payload member; the model does not record it (clients
// accept any root). Each name is from the operation's page in the Amazon S3
// API Reference, https://docs.aws.amazon.com/AmazonS3/latest/API/API_<Operation>.html
var outputRoots = map[string]map[string]string{
	"s3": {
		"CompleteMultipartUpload":                    "CompleteMultipartUploadResult",
		"CreateMultipartUpload":                      "InitiateMultipartUploadResult",
		"CreateSession":                              "CreateSessionResult",
		"DeleteObjects":                              "DeleteResult",
		"GetBucketAccelerateConfiguration":           "AccelerateConfiguration",
		"GetBucketAcl":                               "AccessControlPolicy",
		"GetBucketCors":                              "CORSConfiguration",
		"GetBucketLifecycle":                         "LifecycleConfiguration",
		"GetBucketLifecycleConfiguration":            "LifecycleConfiguration",
		"GetBucketLocation":                          "LocationConstraint",
		"GetBucketLogging":                           "BucketLoggingStatus",
		"GetBucketNotification":                      "NotificationConfiguration",
		"GetBucketNotificationConfiguration":         "NotificationConfiguration",
		"GetBucketRequestPayment":                    "RequestPaymentConfiguration",
		"GetBucketTagging":                           "Tagging",
		"GetBucketVersioning":                        "VersioningConfiguration",
		"GetBucketWebsite":                           "WebsiteConfiguration",
		"GetObjectAcl":                               "AccessControlPolicy",
		"GetObjectAttributes":                        "GetObjectAttributesResponse",
		"GetObjectTagging":                           "Tagging",
		"ListBucketAnalyticsConfigurations":          "ListBucketAnalyticsConfigurationResult",
		"ListBucketIntelligentTieringConfigurations": "ListBucketIntelligentTieringConfigurationsOutput",
		"ListBucketInventoryConfigurations":          "ListInventoryConfigurationsResult",
		"ListBucketMetricsConfigurations":            "ListMetricsConfigurationsResult",
		"ListBuckets":                                "ListAllMyBucketsResult",
		"ListDirectoryBuckets":                       "ListAllMyDirectoryBucketsResult",
		"ListMultipartUploads":                       "ListMultipartUploadsResult",
		"ListObjectVersions":                         "ListVersionsResult",
		"ListObjects":                                "ListBucketResult",
		"ListObjectsV2":                              "ListBucketResult",
		"ListParts":                                  "ListPartsResult",
	},
	"s3-control": {
		"ListTagsForResource": "ListTagsForResourceResult",
	},
}

// textBodies names outputs whose body is one element holding a member's
// text, not a structure: GetBucketLocation answers
// <LocationConstraint xmlns="...">eu-west-1</LocationConstraint>
// (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketLocation.html).
var textBodies = map[string]map[string]string{
	"s3": {"GetBucketLocation": "LocationConstraint"},
}

// timePrecisions gives each service's XML timestamp precision, as its API
// references show them: IAM and STS whole seconds
// (https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateUser.html),
// S3 milliseconds (https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html).
var timePrecisions = map[string]string{
	"iam":        "api.TimeSeconds",
	"sts":        "api.TimeSeconds",
	"s3":         "api.TimeMillis",
	"s3-control": "api.TimeMillis",
}

// statusWhenSet gives, per output, the member whose presence changes the
// success status. S3 answers a GetObject that names a Range (or a
// partNumber) with 206 Partial Content and a Content-Range header
// (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html,
// "Range"; RFC 9110 section 15.3.7); a HeadObject with one the same, without
// the body (RFC 9110 section 9.3.2: HEAD answers as GET would). The model
// has no statusCode member for it.
var statusWhenSet = map[string]map[string]map[string]int{
	"s3": {
		"GetObject":  {"ContentRange": 206},
		"HeadObject": {"ContentRange": 206},
	},
}
