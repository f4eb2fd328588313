package graph

import (
	"github.com/slotpay/slotpay/graph/model"
	"github.com/slotpay/slotpay/services/messages"
)

func templateInput(in model.MessageTemplateInput) messages.TemplateInput {
	return messages.TemplateInput{Kind: messages.Kind(in.Kind), Channel: messages.ChannelName(in.Channel), Locale: in.Locale,
		Subject: deref(in.Subject), Body: deref(in.Body)}
}

func preview(r messages.Rendered, err error) (*model.MessagePreview, error) {
	if err != nil {
		return nil, err
	}
	out := &model.MessagePreview{Text: r.Text, HTML: r.HTML}
	if r.Subject != "" {
		out.Subject = &r.Subject
	}
	return out, nil
}
