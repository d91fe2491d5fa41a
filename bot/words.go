package bot

import "github.com/ecsmedic/ecsmedic/commands/text"

// The few things only the Discord side says. Everything a command answers
// comes from the router, in commands/text.
var words = map[string]map[string]string{
	"en": {
		"not_allowed":      "You are not allowed to use this button.",
		"not_allowed_role": "This button needs one of the roles the bot's config names for it; ask someone who has one.",
		"wrong_channel":    "Commands are answered in %s.",
		"shutting_down":    "ecsmedic is restarting; try again in a minute.",
		"ref":              "ref %s",
	},
	"ko": {
		"not_allowed":      "이 버튼을 사용할 수 없습니다.",
		"not_allowed_role": "이 버튼은 설정에 지정된 역할이 있어야 누를 수 있습니다. 그 역할이 있는 사람에게 부탁해 주세요.",
		"wrong_channel":    "명령은 %s 채널에서 답합니다.",
		"shutting_down":    "ecsmedic이 다시 시작하는 중입니다. 1분 뒤에 다시 시도해 주세요.",
		"ref":              "참조 %s",
	},
}

// say returns a bot text in lang ("en" or "ko"), English otherwise.
func say(lang, id string) string {
	if s, ok := words[text.Normalize(lang)][id]; ok {
		return s
	}
	return words["en"][id]
}
