package floor

// PromptIDs are every prompt id the floor can play.
func PromptIDs() []string {
	ids := []string{pWelcome, pMainMenu, pNoInput, pInvalidKey, pEnterID, pIDIncomplete, pEnterBirthdate,
		pPleaseWait, pDataMismatch, pBill, pStatusIntro, pAfterReadout, pTransferAgent, pGoodbye}
	for _, p := range statusPrompts {
		ids = append(ids, p)
	}
	return ids
}
