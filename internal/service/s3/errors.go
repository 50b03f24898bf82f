package s3

import (
	"net/http"
	"strconv"

	"github.com/doppel-aws/doppel/internal/awserr"
)

// S3's errors, with the messages S3 sends (which differ in places from the
// descriptions in the error-code list of "Error responses" in the S3 API
// Reference; where they do, the wire text as SDK test suites record it wins).

func errNoSuchBucket(bucket string) error {
	return awserr.New(http.StatusNotFound, "NoSuchBucket", "The specified bucket does not exist").With("BucketName", bucket)
}

func errNoSuchKey(key string) error {
	return awserr.New(http.StatusNotFound, "NoSuchKey", "The specified key does not exist.").With("Key", key)
}

func errNoSuchVersion(key, version string) error {
	return awserr.New(http.StatusNotFound, "NoSuchVersion", "The specified version does not exist.").With("Key", key).With("VersionId", version)
}

func errInvalidVersionID() error {
	return awserr.New(http.StatusBadRequest, "InvalidArgument", "Invalid version id specified").With("ArgumentName", "versionId")
}

func errInvalidBucketName(bucket string) error {
	return awserr.New(http.StatusBadRequest, "InvalidBucketName", "The specified bucket is not valid.").With("BucketName", bucket)
}

func errBucketAlreadyExists(bucket string) error {
	return awserr.New(http.StatusConflict, "BucketAlreadyExists", "The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.").With("BucketName", bucket)
}

func errBucketAlreadyOwnedByYou(bucket string) error {
	return awserr.New(http.StatusConflict, "BucketAlreadyOwnedByYou", "Your previous request to create the named bucket succeeded and you already own it.").With("BucketName", bucket)
}

func errBucketNotEmpty(bucket string) error {
	return awserr.New(http.StatusConflict, "BucketNotEmpty", "The bucket you tried to delete is not empty").With("BucketName", bucket)
}

func errIllegalLocationConstraint(constraint string) error {
	if constraint == "" {
		constraint = "unspecified"
	}
	return awserr.Newf(http.StatusBadRequest, "IllegalLocationConstraintException", "The %s location constraint is incompatible for the region specific endpoint this request was sent to.", constraint)
}

func errInvalidLocationConstraint(constraint string) error {
	return awserr.New(http.StatusBadRequest, "InvalidLocationConstraint", "The specified location-constraint is not valid").With("LocationConstraint", constraint)
}

func errMalformedXML() error {
	return awserr.New(http.StatusBadRequest, "MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema")
}

func errInvalidArgument(message, name, value string) error {
	return awserr.New(http.StatusBadRequest, "InvalidArgument", message).With("ArgumentName", name).With("ArgumentValue", value)
}

func errInvalidRequest(message string) error {
	return awserr.New(http.StatusBadRequest, "InvalidRequest", message)
}

func errPreconditionFailed(condition string) error {
	return awserr.New(http.StatusPreconditionFailed, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold").With("Condition", condition)
}

// errNotModified is a 304 for version v; the gateway sends it without a
// body, with the ETag and Last-Modified headers S3 sends on it (RFC 9110
// section 15.4.5: a 304 carries the validators a 200 would have).
func errNotModified(v *version) error {
	return awserr.New(http.StatusNotModified, "NotModified", "Not Modified").
		WithHeader("ETag", v.ETag).
		WithHeader("Last-Modified", v.LastModified.UTC().Format(http.TimeFormat))
}

// onDeleteMarker adds the headers S3 sends when a read finds the delete
// marker v: x-amz-delete-marker and x-amz-version-id on the 404 for a
// current delete marker; with Last-Modified too on the 405 for one named by
// version ID (S3 API Reference, GetObject, "VersionId" and "Permissions").
func onDeleteMarker(err error, v *version, lastModified bool) error {
	e := awserr.From(err).WithHeader("x-amz-delete-marker", "true").WithHeader("x-amz-version-id", v.ID)
	if lastModified {
		e = e.WithHeader("Last-Modified", v.LastModified.UTC().Format(http.TimeFormat))
	}
	return e
}

func errConditionalRequestConflict() error {
	return awserr.New(http.StatusConflict, "ConditionalRequestConflict", "The conditional request cannot succeed due to a conflicting operation against this resource.")
}

func errInvalidRange(requested string, size int64) error {
	return awserr.New(http.StatusRequestedRangeNotSatisfiable, "InvalidRange", "The requested range is not satisfiable").With("RangeRequested", requested).With("ActualObjectSize", itoa(size))
}

func errBadDigest(algorithm string) error {
	if algorithm == "" {
		return awserr.New(http.StatusBadRequest, "BadDigest", "The Content-MD5 you specified did not match what we received.")
	}
	return awserr.New(http.StatusBadRequest, "BadDigest", "The "+algorithm+" you specified did not match the calculated checksum.")
}

func errInvalidDigest() error {
	return awserr.New(http.StatusBadRequest, "InvalidDigest", "The Content-MD5 you specified was invalid.")
}

func errAccessControlListNotSupported() error {
	return awserr.New(http.StatusBadRequest, "AccessControlListNotSupported", "The bucket does not allow ACLs")
}

func errMethodNotAllowed(method, resourceType string) error {
	return awserr.New(http.StatusMethodNotAllowed, "MethodNotAllowed", "The specified method is not allowed against this resource.").With("Method", method).With("ResourceType", resourceType)
}

func errNoSuchUpload(uploadID string) error {
	return awserr.New(http.StatusNotFound, "NoSuchUpload", "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.").With("UploadId", uploadID)
}

func errEntityTooSmall(size, min int64, part int32, etag string) error {
	return awserr.New(http.StatusBadRequest, "EntityTooSmall", "Your proposed upload is smaller than the minimum allowed size").
		With("ProposedSize", itoa(size)).With("MinSizeAllowed", itoa(min)).With("PartNumber", itoa(int64(part))).With("ETag", etag)
}

func errEntityTooLarge(size, max int64) error {
	return awserr.New(http.StatusBadRequest, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size").With("ProposedSize", itoa(size)).With("MaxSizeAllowed", itoa(max))
}

func errInvalidPart(uploadID string, part int32, etag string) error {
	return awserr.New(http.StatusBadRequest, "InvalidPart", "One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.").
		With("UploadId", uploadID).With("PartNumber", itoa(int64(part))).With("ETag", etag)
}

func errInvalidPartOrder(uploadID string) error {
	return awserr.New(http.StatusBadRequest, "InvalidPartOrder", "The list of parts was not in ascending order. The parts list must be specified in order by part number.").With("UploadId", uploadID)
}

func errKeyTooLong(size int) error {
	return awserr.New(http.StatusBadRequest, "KeyTooLongError", "Your key is too long").With("Size", itoa(int64(size))).With("MaxSizeAllowed", "1024")
}

func errMetadataTooLarge(size int) error {
	return awserr.New(http.StatusBadRequest, "MetadataTooLarge", "Your metadata headers exceed the maximum allowed metadata size.").With("Size", itoa(int64(size))).With("MaxSizeAllowed", "2048")
}

func errInvalidTag(message string) error {
	return awserr.New(http.StatusBadRequest, "InvalidTag", message)
}

func errInvalidStorageClass(class string) error {
	return awserr.New(http.StatusBadRequest, "InvalidStorageClass", "The storage class you specified is not valid").With("StorageClassRequested", class)
}

func errMalformedPolicy(message string) error {
	return awserr.New(http.StatusBadRequest, "MalformedPolicy", message)
}

func errMissingRequestBody() error {
	return awserr.New(http.StatusBadRequest, "MissingRequestBodyError", "Request Body is empty")
}

func errInvalidBucketState(message string) error {
	return awserr.New(http.StatusConflict, "InvalidBucketState", message)
}

// errNotConfigured holds the "not configured" answers of the bucket
// configuration getters, keyed by configuration.
var errNotConfigured = map[string]*awserr.Error{
	cfgCORS:         awserr.New(http.StatusNotFound, "NoSuchCORSConfiguration", "The CORS configuration does not exist"),
	cfgPolicy:       awserr.New(http.StatusNotFound, "NoSuchBucketPolicy", "The bucket policy does not exist"),
	cfgTagging:      awserr.New(http.StatusNotFound, "NoSuchTagSet", "The TagSet does not exist"),
	cfgEncryption:   awserr.New(http.StatusNotFound, "ServerSideEncryptionConfigurationNotFoundError", "The server side encryption configuration was not found"),
	cfgLifecycle:    awserr.New(http.StatusNotFound, "NoSuchLifecycleConfiguration", "The lifecycle configuration does not exist"),
	cfgOwnership:    awserr.New(http.StatusNotFound, "OwnershipControlsNotFoundError", "The bucket ownership controls were not found"),
	cfgReplication:  awserr.New(http.StatusNotFound, "ReplicationConfigurationNotFoundError", "The replication configuration was not found"),
	cfgWebsite:      awserr.New(http.StatusNotFound, "NoSuchWebsiteConfiguration", "The specified bucket does not have a website configuration"),
	cfgObjectLock:   awserr.New(http.StatusNotFound, "ObjectLockConfigurationNotFoundError", "Object Lock configuration does not exist for this bucket"),
	cfgPublicAccess: awserr.New(http.StatusNotFound, "NoSuchPublicAccessBlockConfiguration", "The public access block configuration was not found"),
}

func errNotConfiguredFor(cfg, bucket string) error {
	return errNotConfigured[cfg].With("BucketName", bucket)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
