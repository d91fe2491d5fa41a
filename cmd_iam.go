package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/ecsmedic/ecsmedic/config"
	"github.com/ecsmedic/ecsmedic/iampolicy"
)

func newIAMPolicyCmd(g *globals) *cobra.Command {
	var account, region string
	var in iampolicy.Input
	var tf targetPolicyFlags // targets.go
	cmd := &cobra.Command{
		Use:   "iam-policy",
		Short: "Print the least-privilege IAM policy for the config (JSON)",
		Long: `Prints the IAM policy ecsmedic needs for the config: the read actions in one
statement, and each kind of change in a statement of its own, scoped to the
configured cluster and services. Attach it to the task role (or to aws.roleArn).
Notes on what could be narrower go to stderr, the policy to stdout.`,
		Example: `  ecsmedic iam-policy --config ecsmedic.yaml --account 123456789012 > policy.json
  ecsmedic iam-policy --family backend --family frontend --pass-role backend-task \
      --target-group backend-tg --capacity-provider codedang-cp --asg codedang-asg
  aws iam put-role-policy --role-name ecsmedic-task --policy-name ecsmedic \
      --policy-document file://policy.json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := config.Load(g.configPath)
			if err != nil {
				return err
			}
			if len(cfg.Targets) > 0 || tf.target != "" {
				return printTargetPolicies(cmd, cfg, in, account, region, tf)
			}
			in.Region = firstOf(region, cfg.AWS.Region)
			in.Account = firstOf(account, iampolicy.AccountFromARN(cfg.AWS.RoleARN),
				iampolicy.AccountFromQueueURL(cfg.Schedules.Watch.SQSQueueURL))
			in.Services = cfg.Services
			in.SQSQueueURL = cfg.Schedules.Watch.SQSQueueURL
			in.AssumesRole = cfg.AWS.RoleARN
			if cfg.Storage.Engine == config.EngineDynamoDB {
				in.StoreTable, in.StoreRegion = cfg.Storage.Table, cfg.Storage.Region
			}
			res := iampolicy.Build(in)
			if _, err := cmd.OutOrStdout().Write(res.JSON()); err != nil {
				return err
			}
			for _, n := range res.Notes {
				fmt.Fprintln(cmd.ErrOrStderr(), "note:", n)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&account, "account", "", "AWS account id for the ARNs (default from aws.roleArn or the SQS queue URL, else *)")
	f.StringVar(&region, "region", "", "AWS Region for the ARNs (default aws.region, else *)")
	f.StringArrayVar(&in.Families, "family", nil, "task definition family the bot may register revisions of (repeat; default any)")
	f.StringArrayVar(&in.PassRoles, "pass-role", nil, "task or execution role name or ARN of those task definitions (repeat; default any role, to ECS tasks only)")
	f.StringArrayVar(&in.TargetGroups, "target-group", nil, "target group name whose health check the bot may change (repeat; default any)")
	f.StringArrayVar(&in.AutoScalingGroups, "asg", nil, "EC2 Auto Scaling group of the cluster (repeat; default any)")
	f.StringArrayVar(&in.CapacityProviders, "capacity-provider", nil, "capacity provider of the cluster (repeat; default any)")
	tf.flags(cmd)
	return cmd
}

func firstOf(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
