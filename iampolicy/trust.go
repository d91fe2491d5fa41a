package iampolicy

import "fmt"

// Trust is the trust policy of a target's role: the bot's own role (the
// identity it starts with, such as its ECS task role) may assume it, and
// only with the target's external id, which keeps another tenant's bot
// from being tricked into using the role (the confused deputy).
func Trust(botRole, externalID string) Result {
	var notes []string
	if botRole == "" {
		botRole = "arn:aws:iam::BOT_ACCOUNT_ID:role/BOT_ROLE"
		notes = append(notes, "the trust policy names BOT_ACCOUNT_ID and BOT_ROLE: give --bot-role with the ARN of the role the bot runs as (its ECS task role)")
	}
	st := Statement{Sid: "AssumedByEcsmedic", Effect: "Allow", Principal: map[string]any{"AWS": botRole}, Action: []string{"sts:AssumeRole"}}
	if externalID != "" {
		st.Condition = map[string]map[string]any{"StringEquals": {"sts:ExternalId": externalID}}
	} else {
		notes = append(notes, "the target has no externalId: set one in the config, so the trust policy can require it")
	}
	return Result{Policy: Policy{Version: "2012-10-17", Statement: []Statement{st}}, Notes: notes}
}

// AssumeRoles is the policy of the bot's own role with several targets:
// it may assume each target's role, and nothing else.
func AssumeRoles(roles []string) Result {
	if len(roles) == 0 {
		return Result{Policy: Policy{Version: "2012-10-17"}, Notes: []string{"no target has a roleArn: the bot's own role needs the permissions itself"}}
	}
	return Result{Policy: Policy{Version: "2012-10-17", Statement: []Statement{{Sid: "AssumeTargetRoles", Effect: "Allow",
		Action: []string{"sts:AssumeRole"}, Resource: uniq(roles)}}},
		Notes: []string{fmt.Sprintf("attach this to the bot's own role: it may assume the %d target role(s)", len(uniq(roles)))}}
}
