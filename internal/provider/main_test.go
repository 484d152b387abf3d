package provider_test

import (
	"testing"

	"github.com/esxi-commander/terraform-provider-ceso/internal/acctest"
)

func TestMain(m *testing.M) { acctest.Main(m) }
