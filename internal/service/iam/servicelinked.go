package iam

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/doppel-aws/doppel/internal/api"
	"github.com/doppel-aws/doppel/internal/api/iamapi"
	"github.com/doppel-aws/doppel/internal/awserr"
	"github.com/doppel-aws/doppel/internal/store"
)

// Service-linked roles (IAM User Guide, "Create a service-linked role"): a
// role whose name and permissions a service defines, at the path
// /aws-service-role/SERVICE/, trusting only that service, that only the
// service-linked-role operations may change or delete.

// linkedService is what doppel knows of one service's linked role: the name
// after "AWSServiceRoleFor" and the AWS managed policy attached to it.
type linkedService struct {
	suffix string
	policy string // name under arn:aws:iam::aws:policy/aws-service-role/
}

// linkedServices are the services whose linked role names are known, as
// their documentation names them. Other services get a name formed from the
// service name, and no policy.
var linkedServices = map[string]linkedService{
	"autoscaling.amazonaws.com":                       {"AutoScaling", "AutoScalingServiceRolePolicy"},
	"elasticloadbalancing.amazonaws.com":              {"ElasticLoadBalancing", "AWSElasticLoadBalancingServiceRolePolicy"},
	"ecs.amazonaws.com":                               {"ECS", "AmazonECSServiceRolePolicy"},
	"eks.amazonaws.com":                               {"AmazonEKS", "AmazonEKSServiceRolePolicy"},
	"eks-nodegroup.amazonaws.com":                     {"AmazonEKSNodegroup", "AWSServiceRoleForAmazonEKSNodegroup"},
	"eks-fargate.amazonaws.com":                       {"AmazonEKSForFargate", "AmazonEKSForFargateServiceRolePolicy"},
	"rds.amazonaws.com":                               {"RDS", "AmazonRDSServiceRolePolicy"},
	"elasticache.amazonaws.com":                       {"ElastiCache", "ElastiCacheServiceRolePolicy"},
	"spot.amazonaws.com":                              {"EC2Spot", "AWSEC2SpotServiceRolePolicy"},
	"spotfleet.amazonaws.com":                         {"EC2SpotFleet", "AWSEC2SpotFleetServiceRolePolicy"},
	"organizations.amazonaws.com":                     {"Organizations", "AWSOrganizationsServiceTrustPolicy"},
	"sso.amazonaws.com":                               {"SSO", "AWSSSOServiceRolePolicy"},
	"config.amazonaws.com":                            {"Config", "AWSConfigServiceRolePolicy"},
	"cloudtrail.amazonaws.com":                        {"CloudTrail", "CloudTrailServiceRolePolicy"},
	"guardduty.amazonaws.com":                         {"AmazonGuardDuty", "AmazonGuardDutyServiceRolePolicy"},
	"securityhub.amazonaws.com":                       {"SecurityHub", "AWSSecurityHubServiceRolePolicy"},
	"support.amazonaws.com":                           {"Support", "AWSSupportServiceRolePolicy"},
	"trustedadvisor.amazonaws.com":                    {"TrustedAdvisor", "AWSTrustedAdvisorServiceRolePolicy"},
	"es.amazonaws.com":                                {"AmazonElasticsearchService", "AmazonElasticsearchServiceRolePolicy"},
	"opensearchservice.amazonaws.com":                 {"AmazonOpenSearchService", "AmazonOpenSearchServiceRolePolicy"},
	"ssm.amazonaws.com":                               {"AmazonSSM", "AmazonSSMServiceRolePolicy"},
	"backup.amazonaws.com":                            {"Backup", "AWSBackupServiceLinkedRolePolicyForBackup"},
	"redshift.amazonaws.com":                          {"Redshift", "AmazonRedshiftServiceLinkedRolePolicy"},
	"access-analyzer.amazonaws.com":                   {"AccessAnalyzer", "AccessAnalyzerServiceRolePolicy"},
	"elasticbeanstalk.amazonaws.com":                  {"ElasticBeanstalk", "AWSElasticBeanstalkServiceRolePolicy"},
	"kafka.amazonaws.com":                             {"Kafka", "KafkaServiceRolePolicy"},
	"ops.apigateway.amazonaws.com":                    {"APIGateway", "APIGatewayServiceRolePolicy"},
	"globalaccelerator.amazonaws.com":                 {"GlobalAccelerator", "AWSGlobalAcceleratorSLRPolicy"},
	"inspector2.amazonaws.com":                        {"AmazonInspector2", "AmazonInspector2ServiceRolePolicy"},
	"ecs.application-autoscaling.amazonaws.com":       {"ApplicationAutoScaling_ECSService", "AWSApplicationAutoscalingECSServicePolicy"},
	"rds.application-autoscaling.amazonaws.com":       {"ApplicationAutoScaling_RDSCluster", "AWSApplicationAutoscalingRDSClusterPolicy"},
	"spotfleet.application-autoscaling.amazonaws.com": {"ApplicationAutoScaling_EC2SpotFleetRequest", "AWSApplicationAutoscalingEC2SpotFleetRequestPolicy"},
}

const linkedPathPrefix = "/aws-service-role/"

// linkedRoleName forms the role name for service (and suffix).
func linkedRoleName(service, suffix string) (name, policyName string) {
	ls, ok := linkedServices[service]
	if !ok {
		// CamelCase of the service's first label: "foo-bar.amazonaws.com"
		// becomes FooBar.
		label, _, _ := strings.Cut(service, ".")
		var b strings.Builder
		for _, part := range strings.FieldsFunc(label, func(r rune) bool { return r == '-' || r == '_' }) {
			b.WriteString(strings.ToUpper(part[:1]) + part[1:])
		}
		ls.suffix = b.String()
	}
	name = "AWSServiceRoleFor" + ls.suffix
	if suffix != "" {
		name += "_" + suffix
	}
	return name, ls.policy
}

// isServiceLinked tells a service-linked role by its path.
func isServiceLinked(r roleRec) bool { return strings.HasPrefix(r.Path, linkedPathPrefix) }

// protectedRole refuses to change a service-linked role outside the
// service-linked-role operations.
func protectedRole(r roleRec) error {
	if !isServiceLinked(r) {
		return nil
	}
	return awserr.Newf(http.StatusBadRequest, "UnmodifiableEntity", "Cannot perform the operation on the protected role '%s' - this role is only modifiable by AWS", r.Name)
}

func (s *Service) CreateServiceLinkedRole(ctx context.Context, in *iamapi.CreateServiceLinkedRoleInput) (*iamapi.CreateServiceLinkedRoleOutput, error) {
	if !strings.HasSuffix(in.AWSServiceName, ".amazonaws.com") {
		return nil, invalidInput("Invalid service name: %s", in.AWSServiceName)
	}
	if err := checkDescription(in.Description); err != nil {
		return nil, err
	}
	name, policyName := linkedRoleName(in.AWSServiceName, api.ToString(in.CustomSuffix))
	if len(name) > 64 {
		return nil, invalidInput("Service role name %s is longer than 64 characters.", name)
	}
	path := linkedPathPrefix + in.AWSServiceName + "/"
	account, err := s.begin(ctx, "CreateServiceLinkedRole", func(a string) string { return arn(a, "role", path, name) },
		map[string][]string{"iam:AWSServiceName": {in.AWSServiceName}})
	if err != nil {
		return nil, err
	}
	r := roleRec{
		Name: name, Path: path, ID: newID("AROA"), Created: s.now().UTC().Truncate(time.Second), Description: in.Description,
		AssumeRolePolicy:   `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":["` + in.AWSServiceName + `"]},"Action":["sts:AssumeRole"]}]}`,
		MaxSessionDuration: defaultSession,
	}
	err = s.update(ctx, func(tx store.Tx) error {
		if _, found, err := get[roleRec](tx, recordKey(account, kindRole, name)); err != nil {
			return err
		} else if found {
			return invalidInput("Service role name %s has been taken in this account, please try a different suffix.", name)
		}
		if err := checkQuota(tx, account, kindRole, "RolesPerAccount", rolesQuota); err != nil {
			return err
		}
		if policyName != "" {
			pa := "arn:aws:iam::aws:policy" + linkedPathPrefix + policyName
			if _, found, err := lookupPolicy(tx, account, pa); err != nil {
				return err
			} else if found {
				r.Attached = []string{pa}
				if err := countUse(tx, account, pa, 1, 0); err != nil {
					return err
				}
			}
		}
		return put(tx, recordKey(account, kindRole, name), r)
	})
	if err != nil {
		return nil, err
	}
	out := toRole(account, r, false)
	return &iamapi.CreateServiceLinkedRoleOutput{Role: &out}, nil
}

const kindDeletionTask = "deletion-task"

// deletionTask records a finished service-linked role deletion.
type deletionTask struct{ Role string }

func (s *Service) DeleteServiceLinkedRole(ctx context.Context, in *iamapi.DeleteServiceLinkedRoleInput) (*iamapi.DeleteServiceLinkedRoleOutput, error) {
	t, err := s.authRole(ctx, "DeleteServiceLinkedRole", in.RoleName, nil)
	if err != nil {
		return nil, err
	}
	if !isServiceLinked(t.rec) {
		return nil, invalidInput("Role %s is not a service-linked role.", t.rec.Name)
	}
	// The service would check that no resource still uses the role; doppel
	// runs no services that do, so the deletion succeeds at once.
	task := "task" + t.rec.Path + t.rec.Name + "/" + strings.ToLower(newID(""))
	err = s.update(ctx, func(tx store.Tx) error {
		r, found, err := get[roleRec](tx, recordKey(t.account, kindRole, in.RoleName))
		if err != nil {
			return err
		}
		if !found {
			return noSuchRole(in.RoleName)
		}
		for _, pa := range r.Attached {
			if err := countUse(tx, t.account, pa, -1, 0); err != nil {
				return err
			}
		}
		if err := tx.Delete(table, recordKey(t.account, kindRole, r.Name)); err != nil {
			return err
		}
		if err := repointTrust(tx, r.ID, r.ID); err != nil {
			return err
		}
		return put(tx, recordKey(t.account, kindDeletionTask, task), deletionTask{Role: r.Name})
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.DeleteServiceLinkedRoleOutput{DeletionTaskId: task}, nil
}

func (s *Service) GetServiceLinkedRoleDeletionStatus(ctx context.Context, in *iamapi.GetServiceLinkedRoleDeletionStatusInput) (*iamapi.GetServiceLinkedRoleDeletionStatusOutput, error) {
	// The task ID is "task" + the role's path and name + "/" + a unique part;
	// the action's resource is that role.
	role := "*"
	if rest, ok := strings.CutPrefix(in.DeletionTaskId, "task/"); ok {
		if i := strings.LastIndexByte(rest, '/'); i > 0 {
			role = "/" + rest[:i]
		}
	}
	account, err := s.begin(ctx, "GetServiceLinkedRoleDeletionStatus", func(a string) string {
		if role == "*" {
			return role
		}
		return "arn:aws:iam::" + a + ":role" + role
	}, nil)
	if err != nil {
		return nil, err
	}
	found := false
	if err := s.view(ctx, func(tx store.Tx) error {
		var err error
		_, found, err = get[deletionTask](tx, recordKey(account, kindDeletionTask, in.DeletionTaskId))
		return err
	}); err != nil {
		return nil, err
	}
	if !found {
		return nil, noSuchEntity("Deletion task %s does not exist.", in.DeletionTaskId)
	}
	return &iamapi.GetServiceLinkedRoleDeletionStatusOutput{Status: iamapi.DeletionTaskStatusTypeSUCCEEDED}, nil
}

// protectedHolder is protectedRole for the code shared by users, groups and
// roles.
func protectedHolder(rec any) error {
	if r, ok := rec.(*roleRec); ok {
		return protectedRole(*r)
	}
	return nil
}
