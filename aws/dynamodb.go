package aws

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// DynamoDB is a client for the bot's own DynamoDB table (storage.engine:
// dynamodb). It uses the bot's own credentials: cfg.RoleARN, the role of
// the account the bot watches, is not assumed for it, since the table
// lives beside the bot.
func DynamoDB(ctx context.Context, cfg Config) (*dynamodb.Client, error) {
	cfg.RoleARN, cfg.ExternalID = "", ""
	if err := cfg.check(); err != nil {
		return nil, err
	}
	ac, _, err := cfg.sdk(ctx)
	if err != nil {
		return nil, err
	}
	return dynamodb.NewFromConfig(ac, func(o *dynamodb.Options) {
		if cfg.Endpoint != "" {
			o.BaseEndpoint = aws.String(cfg.Endpoint)
		}
	}), nil
}
