package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"time"

	"github.com/ecsmedic/ecsmedic/aws"
	"github.com/ecsmedic/ecsmedic/bot"
	"github.com/ecsmedic/ecsmedic/config"
	"github.com/ecsmedic/ecsmedic/store"
	"github.com/ecsmedic/ecsmedic/store/dynamo"
)

// openEngine opens the store the config names: the bbolt file
// (storage.path), or the DynamoDB table (storage.table) that several
// replicas share. README "Choosing the store".
func openEngine(ctx context.Context, cfg *config.Config, opts store.Options) (store.Engine, error) {
	if cfg.Storage.Engine != config.EngineDynamoDB {
		return store.Open(cfg.Storage.Path, opts)
	}
	return openDynamo(ctx, cfg)
}

func openDynamo(ctx context.Context, cfg *config.Config) (*dynamo.Store, error) {
	region := cfg.Storage.Region
	if region == "" {
		region = cfg.AWS.Region
	}
	client, err := aws.DynamoDB(ctx, aws.Config{
		Region: region, Profile: cfg.AWS.Profile, Endpoint: cfg.Storage.Endpoint,
		CallTimeout: cfg.AWS.CallTimeout, MaxAttempts: cfg.AWS.MaxAttempts,
	})
	if err != nil {
		return nil, fmt.Errorf("setting up DynamoDB for the store: %w", err)
	}
	return dynamo.New(dynamo.Options{Client: client, Table: cfg.Storage.Table, Retention: cfg.Storage.Retention, Timeout: 30 * time.Second})
}

// loadButtonKey is the key that signs the bot's buttons. Replicas on one
// DynamoDB table must share it, or a button one posted fails on another:
// unless ECSMEDIC_BUTTON_KEY sets it, the first replica claims a random
// key in the table and every replica reads that one. On bbolt it lives
// beside the store file, as before.
func loadButtonKey(cfg *config.Config, st store.Engine) ([]byte, error) {
	if cfg.Storage.Engine != config.EngineDynamoDB || os.Getenv(bot.EnvButtonKey) != "" {
		return bot.LoadButtonKey(cfg.Storage.Path)
	}
	fresh := make([]byte, 32)
	if _, err := rand.Read(fresh); err != nil {
		return nil, fmt.Errorf("making a button key: %w", err)
	}
	if _, err := st.Claim(buttonKeyName, hex.EncodeToString(fresh)); err != nil {
		return nil, fmt.Errorf("sharing the button key in the store: %w; or set %s", err, bot.EnvButtonKey)
	}
	v, err := st.Get(buttonKeyName)
	if err != nil {
		return nil, fmt.Errorf("reading the shared button key: %w; or set %s", err, bot.EnvButtonKey)
	}
	return []byte(v), nil
}

// buttonKeyName is the shared button key's key in the store.
const buttonKeyName = store.SecretPrefix + "button-key"
