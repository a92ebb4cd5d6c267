package httpapi

import "strings"

// Languages the service speaks; en is the fallback for a missing translation.
const (
	langEN     = "en"
	langZhHans = "zh-hans"
)

// Message slugs of the HTTP layer itself; the others are the domain's error slugs.
const (
	slugNotFound         = "not_found"
	slugMethodNotAllowed = "method_not_allowed"
	slugUnsupportedMedia = "unsupported_media_type"
	slugJSONParse        = "json_parse"
	slugMultipartParse   = "multipart_parse"
	slugInvalidData      = "invalid_data"
	slugBodyTooLarge     = "body_too_large"
	slugMalformed        = "malformed_request"
	slugRequestTimeout   = "request_timeout"
	slugHeadersTooLarge  = "headers_too_large"
	slugServerError      = "server_error"
	slugClientClosed     = "client_closed"
)

// catalog maps a slug to its message per language; "{}" stands for the error's param.
// The English texts are those of DRF, djangorestframework-jwt and the original shop.
var catalog = map[string]map[string]string{
	"required":             {langEN: "This field is required.", langZhHans: "该字段是必填项。"},
	"blank":                {langEN: "This field may not be blank.", langZhHans: "该字段不能为空。"},
	"null":                 {langEN: "This field may not be null.", langZhHans: "该字段不能为 null。"},
	"not_a_string":         {langEN: "Not a valid string.", langZhHans: "不是有效的字符串。"},
	"invalid_text":         {langEN: "Not valid UTF-8 text.", langZhHans: "不是有效的 UTF-8 文本。"},
	"null_character":       {langEN: "Null characters are not allowed.", langZhHans: "不允许出现空字符。"},
	"not_a_boolean":        {langEN: "Must be a valid boolean.", langZhHans: "必须是有效的布尔值。"},
	"user_exists":          {langEN: "User already exists", langZhHans: "用户已经存在"},
	"invalid_mobile":       {langEN: "Invalid mobile phone number", langZhHans: "手机号码非法"},
	"resend_too_soon":      {langEN: "Less than {} seconds since the last code was sent", langZhHans: "距离上一次发送未超过{}s"},
	"sms_refused":          {langEN: "{}", langZhHans: "{}"},
	"sms_unavailable":      {langEN: "SMS service unavailable, try again later.", langZhHans: "短信服务暂不可用，请稍后再试。"},
	"code_required":        {langEN: "Please enter the verification code", langZhHans: "请输入验证码"},
	"code_format":          {langEN: "Verification code format error", langZhHans: "验证码格式错误"},
	"code_mismatch":        {langEN: "Verification code error", langZhHans: "验证码错误"},
	"code_expired":         {langEN: "Verification code expired", langZhHans: "验证码过期"},
	"code_exhausted":       {langEN: "Too many incorrect attempts, request a new code", langZhHans: "验证码错误次数过多，请重新获取"},
	"same_mobile":          {langEN: "This is already the account's mobile number", langZhHans: "这已是该账号的手机号码"},
	"password_too_short":   {langEN: "Ensure this field has at least {} characters.", langZhHans: "请确保这个字段至少包含 {} 个字符。"},
	"max_length":           {langEN: "Ensure this field has no more than {} characters.", langZhHans: "请确保这个字段不能超过 {} 个字符。"},
	"invalid_choice":       {langEN: `"{}" is not a valid choice.`, langZhHans: "“{}” 不是合法选项。"},
	"invalid_date":         {langEN: "Date has wrong format. Use one of these formats instead: YYYY-MM-DD.", langZhHans: "日期格式错误。请从这些格式中选择：YYYY-MM-DD。"},
	"invalid_email":        {langEN: "Enter a valid email address.", langZhHans: "输入一个有效的 Email 地址。"},
	"invalid_credentials":  {langEN: "Unable to log in with provided credentials.", langZhHans: "无法使用提供的认证信息登录。"},
	"not_authenticated":    {langEN: "Authentication credentials were not provided.", langZhHans: "身份认证信息未提供。"},
	"jwt_no_credentials":   {langEN: "Invalid Authorization header. No credentials provided.", langZhHans: "无效的 Authorization 头。未提供认证信息。"},
	"jwt_spaces":           {langEN: "Invalid Authorization header. Credentials string should not contain spaces.", langZhHans: "无效的 Authorization 头。认证字符串不应包含空格。"},
	"jwt_expired":          {langEN: "Signature has expired.", langZhHans: "签名已过期。"},
	"jwt_decode":           {langEN: "Error decoding signature.", langZhHans: "签名解码错误。"},
	"jwt_invalid":          {langEN: "Incorrect authentication credentials.", langZhHans: "不正确的身份认证信息。"},
	"jwt_user_invalid":     {langEN: "Invalid signature.", langZhHans: "签名无效。"},
	"token_no_credentials": {langEN: "Invalid token header. No credentials provided.", langZhHans: "无效的令牌头。未提供认证信息。"},
	"token_spaces":         {langEN: "Invalid token header. Token string should not contain spaces.", langZhHans: "无效的令牌头。令牌字符串不应包含空格。"},
	"token_invalid":        {langEN: "Invalid token.", langZhHans: "认证令牌无效。"},
	"throttled":            {langEN: "Request was throttled. Expected available in {} seconds.", langZhHans: "请求超过了限速。预计 {} 秒后可用。"},
	"prefix_not_allowed":   {langEN: "Text messages cannot be sent to numbers of this country or region", langZhHans: "不支持向该国家或地区的号码发送短信"},
	"region_not_allowed":   {langEN: "Text messages cannot be sent to numbers of this country or region", langZhHans: "不支持向该国家或地区的号码发送短信"},
	"refresh_invalid":      {langEN: "Token is invalid or expired", langZhHans: "令牌无效或已过期"},
	"refresh_reused":       {langEN: "Token is invalid or expired", langZhHans: "令牌无效或已过期"},
	"session_ended":        {langEN: "Session has ended, log in again.", langZhHans: "会话已结束，请重新登录。"},
	"wrong_password":       {langEN: "Wrong password.", langZhHans: "密码错误。"},
	"store_unavailable":    {langEN: "Service temporarily unavailable, try again later.", langZhHans: "服务暂不可用，请稍后再试。"},
	"busy":                 {langEN: "Service busy, try again in {} seconds.", langZhHans: "服务繁忙，请 {} 秒后重试。"},
	"captcha_invalid":      {langEN: "Invalid CAPTCHA, please try again.", langZhHans: "人机验证未通过，请重试。"},
	"captcha_unavailable":  {langEN: "CAPTCHA verification unavailable, try again later.", langZhHans: "人机验证服务暂不可用，请稍后再试。"},
	"user_not_found":       {langEN: "Not found.", langZhHans: "未找到。"}, // the caller's account went away during the request
	slugNotFound:           {langEN: "Not found.", langZhHans: "未找到。"},
	slugMethodNotAllowed:   {langEN: `Method "{}" not allowed.`, langZhHans: "方法 “{}” 不被允许。"},
	slugUnsupportedMedia:   {langEN: `Unsupported media type "{}" in request.`, langZhHans: "不支持请求中的媒体类型 “{}”。"},
	slugJSONParse:          {langEN: "JSON parse error - {}", langZhHans: "JSON 解析错误 - {}"},
	slugMultipartParse:     {langEN: "Multipart form parse error - {}", langZhHans: "多部分表单解析错误 - {}"},
	slugInvalidData:        {langEN: "Invalid data. Expected a dictionary, but got {}.", langZhHans: "无效数据。期待为字典类型，得到的是 {}。"},
	slugBodyTooLarge:       {langEN: "Request body too large.", langZhHans: "请求体过大。"},
	slugMalformed:          {langEN: "Malformed request.", langZhHans: "请求格式错误。"},
	slugRequestTimeout:     {langEN: "Request timed out.", langZhHans: "请求超时。"},
	slugHeadersTooLarge:    {langEN: "Request header fields too large.", langZhHans: "请求头字段过大。"},
	slugServerError:        {langEN: "A server error occurred.", langZhHans: "服务器出现了错误。"},
	slugClientClosed:       {langEN: "Client closed the request.", langZhHans: "客户端已关闭请求。"},
	slugReceiptRefused:     {langEN: "Not a delivery receipt of this provider.", langZhHans: "不是该服务商的送达回执。"},
}

// message renders slug in lang with param substituted. An unknown slug renders as the
// server-error text rather than leaking an internal name.
func message(lang, slug, param string) string {
	texts, ok := catalog[slug]
	if !ok {
		texts = catalog[slugServerError]
	}
	text, ok := texts[lang]
	if !ok {
		text = texts[langEN]
	}
	return strings.ReplaceAll(text, "{}", param)
}
